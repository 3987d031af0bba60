"""Fixed catalogues of the registry: unit types, industries, licence kinds, the standard."""

UNIT_TYPES = {
    "store": "门店",
    "market": "市场",
    "street": "街区",
    "business_district": "商圈",
    "town": "乡镇",
    "factory": "工厂",
    "scenic_spot": "景区",
    "education_base": "教育基地",
    "association": "行业协会",
}

INDUSTRIES = {
    "food_retail": "食品零售",
    "catering": "餐饮",
    "supermarket": "商超",
    "jewellery": "珠宝首饰",
    "telecom": "通信",
    "finance": "金融",
    "appliance_repair": "家电维修",
    "housekeeping": "家政",
    "auto_repair": "汽车维修",
    "pharmacy": "药店",
    "hotel": "酒店住宿",
    "scenic_area": "旅游景区",
    "express_delivery": "快递",
    "highway_service_area": "高速服务区",
    "clothing": "服装",
    "education": "教育培训",
    "other": "其他",
}

# Industries whose units sell or serve food and so need a food-operation licence.
FOOD_INDUSTRIES = frozenset({"food_retail", "catering", "supermarket", "highway_service_area"})

LICENCE_KINDS = {
    "business_licence": "营业执照",
    "food_operation": "食品经营许可证",
    "health_certificate": "从业人员健康证明",
    "other": "其他许可",
}

# The "八有八无" self-declaration checklist (Zhejiang's standard for trusted-consumption units).
STANDARD = [
    {"key": "has_licences", "text": "有合法证照，亮照经营"},
    {"key": "has_price_display", "text": "有明码标价，价签规范"},
    {"key": "has_commitment", "text": "有放心消费承诺公示"},
    {"key": "has_complaint_system", "text": "有消费投诉处理制度"},
    {"key": "has_purchase_records", "text": "有进货查验和台账记录"},
    {"key": "has_trust_sign", "text": "有放心消费标识"},
    {"key": "has_complaint_channel", "text": "有畅通的投诉渠道"},
    {"key": "has_after_sales", "text": "有售后服务保障"},
    {"key": "no_counterfeits", "text": "无假冒伪劣商品"},
    {"key": "no_price_fraud", "text": "无价格欺诈"},
    {"key": "no_false_advertising", "text": "无虚假宣传"},
    {"key": "no_unfair_terms", "text": "无霸王条款"},
    {"key": "no_short_weight", "text": "无缺斤短两"},
    {"key": "no_forced_trade", "text": "无强制交易"},
    {"key": "no_safety_hazards", "text": "无安全隐患"},
    {"key": "no_unresolved_disputes", "text": "无消费纠纷积案"},
]
STANDARD_KEYS = frozenset(item["key"] for item in STANDARD)
