"""The gateway's two languages: zh-CN (the default) and en, chosen by ``Accept-Language``.

Error messages: in zh-CN the message of the error's code from ``ZH_MESSAGES``; in en the
service's own message, which says more (services write their messages in English). A code with
no zh-CN message keeps the service's message, so a new code never breaks an answer.
"""
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

DEFAULT_LOCALE = "zh-CN"
LOCALES = (DEFAULT_LOCALE, "en")

ZH_MESSAGES = {
    "BAD_REQUEST": "请求格式错误：请以 application/json 发送有效的 JSON",
    "VALIDATION_ERROR": "请求内容不符合要求，详见 details",
    "UNAUTHENTICATED": "未登录或登录凭证无效",
    "FORBIDDEN": "无权进行此操作",
    "NOT_FOUND": "未找到",
    "METHOD_NOT_ALLOWED": "该路径不支持此请求方法",
    "PAYLOAD_TOO_LARGE": "请求内容过大",
    "RATE_LIMITED": "请求过于频繁，请稍后再试",
    "UNAVAILABLE": "服务暂时不可用，请稍后重试",
    "INTERNAL_ERROR": "系统内部错误，已记录",
    "CONFLICT": "与当前状态冲突",
    "IDEMPOTENCY_KEY_REUSED": "该 Idempotency-Key 已用于内容不同的请求",
    "REQUEST_IN_PROGRESS": "相同的请求正在处理中，请稍后重试",
    "CONCURRENT_UPDATE": "数据正被同时修改，请重试",
    "OUT_OF_JURISDICTION": "不在您的管辖区域内",
    "INSUFFICIENT_LEVEL": "您的监管层级不能进行此操作",
    "WRONG_STAGE": "该商户不处于此审核阶段",
    "WRONG_STATE": "当前状态不允许此操作",
    "ALREADY_APPLIED": "该商户账号已提交过申请",
    "CREDIT_CODE_TAKEN": "该统一社会信用代码已登记",
    "ALREADY_RATED": "30 天内已评价过该商户",
    "STORE_NOT_FOUND": "未找到该商户",
    "MERCHANT_NOT_FOUND": "未找到该商户",
    "DUPLICATE_COMPLAINT": "24 小时内已就同一商户的同类问题投诉过",
    "CAMPAIGN_NOT_FOUND": "未找到该活动",
    "CAMPAIGN_NOT_ACTIVE": "该活动当前不可领取",
    "SOLD_OUT": "消费券已领完",
    "LIMIT_REACHED": "已达到每人领取上限",
    "NOT_ELIGIBLE": "该商户不在活动范围内",
    "COUPON_NOT_FOUND": "未找到该消费券",
    "ALREADY_REDEEMED": "该消费券已使用",
    "COUPON_EXPIRED": "该消费券已过期",
    "MERCHANT_NOT_ELIGIBLE": "本店不能核销该消费券",
    "MIN_SPEND_NOT_MET": "订单金额未达到使用门槛",
}


def negotiate(accept_language):
    """The locale to answer in, from an ``Accept-Language`` header (None or empty: zh-CN)."""
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    return accepted.best_match(LOCALES, default=DEFAULT_LOCALE)


def error_message(code, message, locale):
    if locale == DEFAULT_LOCALE:
        return ZH_MESSAGES.get(code, message)
    return message
