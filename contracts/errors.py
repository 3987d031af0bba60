"""Every error code an answer can carry (API.md "Conventions" and each area's codes), with its
HTTP status and its words: the answer's message in zh-CN and in en, and, for the refusals a
consumer's page explains, what the page says in each language.

Answers in en keep the service's own message, which names the case ("you hold as many coupons
of this campaign as one person may"); ``en`` is the code's meaning, for the documents and for
answers made without a service. A new code is one entry here.
"""
from dataclasses import dataclass

LOCALES = ("zh-CN", "en")


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    zh_cn: str
    en: str
    page_zh_cn: str | None = None  # what a consumer's page says of it, when it says more
    page_en: str | None = None

    def message(self, locale):
        return self.zh_cn if locale == "zh-CN" else self.en

    def page_text(self, locale):
        return self.page_zh_cn if locale == "zh-CN" else self.page_en


ERRORS = (
    ErrorCode("BAD_REQUEST", 400, "请求格式错误：请以 application/json 发送有效的 JSON",
              "malformed JSON or a wrong content type"),
    ErrorCode("VALIDATION_ERROR", 422, "请求内容不符合要求，详见 details",
              "the request is not valid; details name each field",
              "请检查填写的内容。", "Check what you entered."),
    ErrorCode("UNAUTHENTICATED", 401, "未登录或登录凭证无效", "no valid token"),
    ErrorCode("FORBIDDEN", 403, "无权进行此操作", "not allowed"),
    ErrorCode("NOT_FOUND", 404, "未找到", "not found"),
    ErrorCode("METHOD_NOT_ALLOWED", 405, "该路径不支持此请求方法",
              "this path takes no such method"),
    ErrorCode("PAYLOAD_TOO_LARGE", 413, "请求内容过大", "the body is too large"),
    ErrorCode("RATE_LIMITED", 429, "请求过于频繁，请稍后再试", "too many requests; see Retry-After",
              "操作太频繁，请稍后再试。", "Too many tries: wait a moment."),
    ErrorCode("UNAVAILABLE", 503, "服务暂时不可用，请稍后重试",
              "a service or the broker is not answering; safe to retry"),
    ErrorCode("INTERNAL_ERROR", 500, "系统内部错误，已记录", "an internal error, logged"),
    ErrorCode("CONFLICT", 409, "与当前状态冲突", "conflicts with the present state"),
    ErrorCode("IDEMPOTENCY_KEY_REUSED", 409, "该 Idempotency-Key 已用于内容不同的请求",
              "this Idempotency-Key was used with another body"),
    ErrorCode("REQUEST_IN_PROGRESS", 409, "相同的请求正在处理中，请稍后重试",
              "the first request with this Idempotency-Key is still running"),
    ErrorCode("CONCURRENT_UPDATE", 409, "数据正被同时修改，请重试",
              "changed by someone else meanwhile; retry"),
    ErrorCode("OUT_OF_JURISDICTION", 403, "不在您的管辖区域内", "outside your jurisdiction"),
    ErrorCode("INSUFFICIENT_LEVEL", 403, "您的监管层级不能进行此操作",
              "your level of regulator cannot do this"),
    ErrorCode("WRONG_STAGE", 409, "该商户不处于此审核阶段", "the unit is not at this review stage"),
    ErrorCode("WRONG_STATE", 409, "当前状态不允许此操作", "not possible in the present state",
              "当前状态下不能进行此操作。", "This cannot be done in its present state."),
    ErrorCode("ALREADY_APPLIED", 409, "该商户账号已提交过申请",
              "this merchant account has already applied"),
    ErrorCode("CREDIT_CODE_TAKEN", 409, "该统一社会信用代码已登记",
              "a unit with this credit code is registered"),
    ErrorCode("ALREADY_RATED", 409, "30 天内已评价过该商户", "rated within the last 30 days",
              "30 天内只能评价一次本店。", "You can rate a shop once every 30 days."),
    ErrorCode("ALREADY_REPLIED", 409, "商户已对该投诉作出公开回复",
              "the merchant has already replied publicly to this complaint",
              "每条公开投诉只能公开回复一次。", "A published complaint takes one public reply."),
    ErrorCode("STORE_NOT_FOUND", 404, "未找到该商户", "no unit has this store code"),
    ErrorCode("MERCHANT_NOT_FOUND", 404, "未找到该商户", "no such merchant"),
    ErrorCode("DUPLICATE_COMPLAINT", 409, "24 小时内已就同一商户的同类问题投诉过",
              "the same complaint about this merchant was filed within the window",
              "您已就此商户提交过相同的投诉。", "You already sent this complaint about this shop."),
    ErrorCode("CAMPAIGN_NOT_FOUND", 404, "未找到该活动", "no such campaign"),
    ErrorCode("CAMPAIGN_NOT_ACTIVE", 409, "该活动当前不可领取", "the campaign takes no claims now",
              "该活动不在领取时间内。", "This campaign is not open for claims now."),
    ErrorCode("SOLD_OUT", 409, "消费券已领完", "no coupons left",
              "消费券已领完。", "All coupons have been claimed."),
    ErrorCode("LIMIT_REACHED", 409, "已达到每人领取上限", "the per-person limit is reached",
              "您已达到领取上限。", "You have claimed as many as you may."),
    ErrorCode("NOT_ELIGIBLE", 403, "该商户不在活动范围内", "not eligible for this campaign",
              "您不符合领取条件。", "You are not eligible for this coupon."),
    ErrorCode("COUPON_NOT_FOUND", 404, "未找到该消费券", "no such coupon"),
    ErrorCode("ALREADY_REDEEMED", 409, "该消费券已使用", "the coupon was redeemed already"),
    ErrorCode("COUPON_EXPIRED", 409, "该消费券已过期", "the coupon has expired"),
    ErrorCode("MERCHANT_NOT_ELIGIBLE", 403, "本店不能核销该消费券",
              "this merchant cannot take this coupon",
              "该商户暂不能参与。", "This shop cannot take part at present."),
    ErrorCode("BUDGET_EXHAUSTED", 409, "活动预算已用完，该消费券暂不能核销",
              "the campaign's budget cannot pay this discount"),
    ErrorCode("MERCHANT_CAP_REACHED", 409, "本店今日该活动的核销额度已用完",
              "this merchant's daily cap for the campaign is reached"),
    ErrorCode("MIN_SPEND_NOT_MET", 422, "订单金额未达到使用门槛",
              "the order is below the coupon's minimum spend"),
)
_BY_CODE = {error.code: error for error in ERRORS}
if len(_BY_CODE) != len(ERRORS):
    raise ValueError("an error code is listed twice")


def of(code):
    """The entry of ``code``, or None for a code this table does not know."""
    return _BY_CODE.get(code)


def zh_cn_message(code, default):
    """The zh-CN message of ``code``; ``default`` (the service's words) for an unknown code, so
    that a new code never breaks an answer."""
    error = of(code)
    return error.zh_cn if error else default


def page_text(code, locale, default):
    """What a consumer's page says of a refusal with ``code`` in ``locale``, or ``default``."""
    error = of(code)
    return (error.page_text(locale) if error else None) or default
