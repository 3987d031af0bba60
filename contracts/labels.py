"""The readable names of the codes events and answers carry, in zh-CN and en, by vocabulary
(category, proposal, closing, status, stage, decision, escalation, industry): what messages
and pages call them."""
from contracts import closings
from contracts.catalogue import INDUSTRIES, INDUSTRIES_EN

ZH_LABELS = {
    "category": {
        "quality": "质量问题", "price": "价格问题", "short_weight": "缺斤短两",
        "false_advertising": "虚假宣传", "refund_refused": "拒绝退款", "service": "服务问题",
        "safety": "安全问题", "contract": "合同纠纷", "other": "其他",
    },
    "proposal": {
        "refund": "退款", "exchange": "换货", "repair": "维修", "compensation": "赔偿",
        "apology": "道歉", "dispute": "异议",
    },
    "closing": closings.labels("zh-CN"),
    "status": {
        "pending_onsite": "待现场核查", "pending_county": "待县级审核",
        "pending_final": "待市级综合评审", "rejected": "未通过", "certified": "放心消费单位",
        "warned": "警示", "suspended": "暂停", "delisted": "摘牌",
    },
    "stage": {"onsite": "现场核查", "county": "县级审核", "final": "市级综合评审"},
    "decision": {"pass": "通过", "fail": "未通过"},
    "escalation": {"deadline_missed": "商家逾期未答复",
                   "consumer_rejected": "消费者不接受商家的处理方案"},
    "industry": dict(INDUSTRIES),
}

EN_LABELS = {
    "category": {
        "quality": "product quality", "price": "pricing", "short_weight": "short weight",
        "false_advertising": "false advertising", "refund_refused": "refund refused",
        "service": "service", "safety": "safety", "contract": "contract dispute",
        "other": "other",
    },
    "proposal": {
        "refund": "a refund", "exchange": "an exchange", "repair": "a repair",
        "compensation": "compensation", "apology": "an apology", "dispute": "a dispute",
    },
    "closing": closings.labels("en"),
    "status": {
        "pending_onsite": "awaiting on-site verification",
        "pending_county": "awaiting the county review", "pending_final": "awaiting the city review",
        "rejected": "rejected", "certified": "certified trusted-consumption unit",
        "warned": "warned", "suspended": "suspended", "delisted": "delisted",
    },
    "stage": {"onsite": "on-site verification", "county": "county review",
              "final": "city comprehensive review"},
    "decision": {"pass": "passed", "fail": "failed"},
    "escalation": {"deadline_missed": "the merchant did not answer in time",
                   "consumer_rejected": "the consumer did not accept the merchant's proposal"},
    "industry": dict(INDUSTRIES_EN),
}

LABELS = {"zh-CN": ZH_LABELS, "en": EN_LABELS}
