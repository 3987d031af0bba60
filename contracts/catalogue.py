"""Fixed catalogues: unit types, industries, licence kinds, the standard; what complaints are
about."""

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

# English names of the same codes (store pages in en, notifications' en templates).
UNIT_TYPES_EN = {
    "store": "store", "market": "market", "street": "street", "business_district":
    "business district", "town": "town", "factory": "factory", "scenic_spot": "scenic spot",
    "education_base": "education base", "association": "trade association",
}

INDUSTRIES_EN = {
    "food_retail": "food retail", "catering": "catering", "supermarket": "supermarket",
    "jewellery": "jewellery", "telecom": "telecom", "finance": "finance",
    "appliance_repair": "appliance repair", "housekeeping": "housekeeping",
    "auto_repair": "auto repair", "pharmacy": "pharmacy", "hotel": "hotel",
    "scenic_area": "scenic area", "express_delivery": "express delivery",
    "highway_service_area": "highway service area", "clothing": "clothing",
    "education": "education", "other": "other",
}

# Province-level codes of GB/T 2260 (the first two digits of a 6-digit region code).
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}

# Industries whose units sell or serve food and so need a food-operation licence.
FOOD_INDUSTRIES = frozenset({"food_retail", "catering", "supermarket", "highway_service_area"})

LICENCE_KINDS = {
    "business_licence": "营业执照",
    "food_operation": "食品经营许可证",
    "health_certificate": "从业人员健康证明",
    "other": "其他许可",
}

LICENCE_KINDS_EN = {
    "business_licence": "business licence",
    "food_operation": "food operation licence",
    "health_certificate": "staff health certificate",
    "other": "other licence",
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

# what a complaint is about (API.md "Complaints")
COMPLAINT_CATEGORIES = ("quality", "price", "short_weight", "false_advertising", "refund_refused",
                        "service", "safety", "contract", "other")

# what a notification is about, and how it reaches its recipient (API.md "Notifications")
NOTIFICATION_TOPICS = ("certification", "spot_check", "complaint", "coupon", "warning",
                       "regulation")
NOTIFICATION_CHANNELS = ("inbox", "email", "sms", "wechat")
