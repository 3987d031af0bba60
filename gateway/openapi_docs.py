"""What /openapi.json says about each route beyond its declaration, keyed by the handler's
name: the error codes it can answer, request examples, media other than JSON, and the
Idempotency-Key header; and what each of the routes' tags stands for.
tests/unit/test_openapi_document.py checks that every key names a route, every tag is
described, and every request example passes the route's own body schema."""

# every tag a route declares (gateway/routes/), in the order a reader meets them
TAGS = {
    "system": "Health, readiness, metrics and the documents: this one, /asyncapi.json, /docs",
    "auth": "Tokens: development tokens, and consumers signing in with a code sent by SMS",
    "registry": "Merchants: certification, reviews, actions, stars, spot checks, ratings, "
                "search, and the red and black lists",
    "stores": "One store, one code: the public store page (JSON and HTML) and its QR codes",
    "complaints": "Complaints: filing, the merchant's answer, the consumer's decision, "
                  "mediation, public figures, statistics and hot spots",
    "coupons": "Coupon campaigns, claims, redemptions and their rollback, figures, settlement",
    "notifications": "Inboxes, preferences, delivery status, and consumer warnings",
    "pages": "The consumer's pages for a phone's browser (/m/…), signed in by a cookie",
}

# API.md's codes and their statuses
CODE_STATUS = {
    "BAD_REQUEST": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "OUT_OF_JURISDICTION": 403,
    "INSUFFICIENT_LEVEL": 403, "NOT_ELIGIBLE": 403, "MERCHANT_NOT_ELIGIBLE": 403,
    "NOT_FOUND": 404, "STORE_NOT_FOUND": 404, "MERCHANT_NOT_FOUND": 404,
    "CAMPAIGN_NOT_FOUND": 404, "COUPON_NOT_FOUND": 404,
    "WRONG_STAGE": 409, "WRONG_STATE": 409, "ALREADY_APPLIED": 409, "CREDIT_CODE_TAKEN": 409,
    "ALREADY_RATED": 409, "ALREADY_REPLIED": 409, "DUPLICATE_COMPLAINT": 409,
    "CAMPAIGN_NOT_ACTIVE": 409,
    "SOLD_OUT": 409, "LIMIT_REACHED": 409, "ALREADY_REDEEMED": 409, "COUPON_EXPIRED": 409,
    "IDEMPOTENCY_KEY_REUSED": 409, "REQUEST_IN_PROGRESS": 409, "CONCURRENT_UPDATE": 409,
    "BUDGET_EXHAUSTED": 409, "MERCHANT_CAP_REACHED": 409,
    "PAYLOAD_TOO_LARGE": 413, "VALIDATION_ERROR": 422, "MIN_SPEND_NOT_MET": 422,
    "RATE_LIMITED": 429, "UNAVAILABLE": 503,
}
# the code every answer of a status may carry
GENERIC_CODES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN",
                 404: "NOT_FOUND", 413: "PAYLOAD_TOO_LARGE", 422: "VALIDATION_ERROR",
                 429: "RATE_LIMITED", 503: "UNAVAILABLE"}

_REGULATED = ("NOT_FOUND", "OUT_OF_JURISDICTION", "INSUFFICIENT_LEVEL", "WRONG_STATE",
              "CONCURRENT_UPDATE")
_COMPLAINT_STEP = ("NOT_FOUND", "OUT_OF_JURISDICTION", "WRONG_STATE", "CONCURRENT_UPDATE")
_CAMPAIGN_STEP = ("CAMPAIGN_NOT_FOUND", "WRONG_STATE", "CONCURRENT_UPDATE")
_IDEMPOTENT = ("IDEMPOTENCY_KEY_REUSED", "REQUEST_IN_PROGRESS")

ERRORS = {
    "apply_merchant": ("ALREADY_APPLIED", "CREDIT_CODE_TAKEN"),
    "get_merchant": ("NOT_FOUND", "OUT_OF_JURISDICTION"),
    "update_merchant": ("NOT_FOUND", "CREDIT_CODE_TAKEN", "CONCURRENT_UPDATE"),
    "resubmit_merchant": ("NOT_FOUND", "WRONG_STATE", "CREDIT_CODE_TAKEN", "CONCURRENT_UPDATE"),
    "review_merchant": (*_REGULATED, "WRONG_STAGE"),
    "act_on_merchant": _REGULATED,
    "set_stars": _REGULATED,
    "rate_merchant": ("NOT_FOUND", "WRONG_STATE", "ALREADY_RATED"),
    "list_merchants": ("OUT_OF_JURISDICTION",),
    "create_spot_checks": ("OUT_OF_JURISDICTION", "INSUFFICIENT_LEVEL"),
    "spot_check_result": ("NOT_FOUND", "OUT_OF_JURISDICTION", "WRONG_STATE"),
    "public_store": ("STORE_NOT_FOUND",),
    "store_page_html": ("STORE_NOT_FOUND",),
    "store_qr_svg": ("STORE_NOT_FOUND",),
    "store_qr_png": ("STORE_NOT_FOUND",),
    "public_list": ("NOT_FOUND",),
    "file_complaint": ("MERCHANT_NOT_FOUND", "DUPLICATE_COMPLAINT"),
    "get_complaint": ("NOT_FOUND", "OUT_OF_JURISDICTION"),
    "respond": _COMPLAINT_STEP,
    "decide": _COMPLAINT_STEP,
    "mediate": _COMPLAINT_STEP,
    "withdraw": _COMPLAINT_STEP,
    "rate_complaint": _COMPLAINT_STEP,
    "my_complaint_decision": _COMPLAINT_STEP,
    "my_complaint_rating": _COMPLAINT_STEP,
    "my_complaint_page": ("NOT_FOUND",),
    "claim_coupon_page": ("CAMPAIGN_NOT_FOUND",),
    "claim_coupon_sent": ("CAMPAIGN_NOT_FOUND", "CAMPAIGN_NOT_ACTIVE", "SOLD_OUT", "LIMIT_REACHED",
                          "NOT_ELIGIBLE"),
    "my_coupon_qr": ("COUPON_NOT_FOUND",),
    "rate_store_page": ("STORE_NOT_FOUND",),
    "rate_store_sent": ("STORE_NOT_FOUND", "WRONG_STATE", "ALREADY_RATED"),
    "new_complaint_sent": ("MERCHANT_NOT_FOUND", "DUPLICATE_COMPLAINT", "VALIDATION_ERROR"),
    "screen": _COMPLAINT_STEP,
    "set_consent": ("NOT_FOUND",),
    "reply_publicly": ("NOT_FOUND", "WRONG_STATE", "ALREADY_REPLIED"),
    "complaint_statistics": ("OUT_OF_JURISDICTION",),
    "grade_statistics": ("OUT_OF_JURISDICTION",),
    "open_data_complaints": ("VALIDATION_ERROR",),
    "activate_campaign": _CAMPAIGN_STEP,
    "pause_campaign": _CAMPAIGN_STEP,
    "resume_campaign": _CAMPAIGN_STEP,
    "cancel_campaign": _CAMPAIGN_STEP,
    "get_campaign": ("CAMPAIGN_NOT_FOUND",),
    "campaign_stats": ("CAMPAIGN_NOT_FOUND",),
    "settlement": ("CAMPAIGN_NOT_FOUND",),
    "cash_out": ("CAMPAIGN_NOT_FOUND",),
    "daily_settlement": ("CAMPAIGN_NOT_FOUND", "VALIDATION_ERROR"),
    "release_hold": ("NOT_FOUND", "WRONG_STATE"),
    "claim": ("CAMPAIGN_NOT_FOUND", "CAMPAIGN_NOT_ACTIVE", "SOLD_OUT", "LIMIT_REACHED",
              "NOT_ELIGIBLE", "WRONG_STATE", *_IDEMPOTENT),
    "sign_up": ("CAMPAIGN_NOT_FOUND", "CAMPAIGN_NOT_ACTIVE", "WRONG_STATE"),
    "my_signup": ("CAMPAIGN_NOT_FOUND", "NOT_FOUND"),
    "public_ballot": ("CAMPAIGN_NOT_FOUND", "WRONG_STATE"),
    "ballot_signups": ("CAMPAIGN_NOT_FOUND", "WRONG_STATE"),
    "redeem": ("COUPON_NOT_FOUND", "ALREADY_REDEEMED", "COUPON_EXPIRED", "MERCHANT_NOT_ELIGIBLE",
               "MIN_SPEND_NOT_MET", "FORBIDDEN", "BUDGET_EXHAUSTED", "MERCHANT_CAP_REACHED",
               *_IDEMPOTENT),
    "roll_back": ("NOT_FOUND", "WRONG_STATE"),
    "mark_read": ("NOT_FOUND",),
    "get_warning": ("NOT_FOUND", "OUT_OF_JURISDICTION"),
    "draft_warning": ("OUT_OF_JURISDICTION",),
    "publish_warning": ("NOT_FOUND", "OUT_OF_JURISDICTION", "WRONG_STATE", "CONCURRENT_UPDATE"),
    "dev_token": ("NOT_FOUND",),
    "send_sign_in_code": ("VALIDATION_ERROR", "RATE_LIMITED", "UNAVAILABLE"),
    "sign_in": ("UNAUTHENTICATED", "VALIDATION_ERROR", "RATE_LIMITED"),
    "docs_asset": ("NOT_FOUND",),
    "readyz": ("UNAVAILABLE",),
}

IDEMPOTENT = frozenset({"claim", "redeem"})

# a second success status beside the route's own: (status, description)
ALSO_SUCCEEDS = {"sign_up": (200, "a repeat: the consumer's sign-up, as made the first time")}

# success media other than JSON: (media type or types, schema)
_TEXT = {"type": "string"}
MEDIA = {
    "settlement": ("text/csv", _TEXT),
    "ballot_signups": ("text/csv", _TEXT),
    "daily_settlement": ("text/csv", _TEXT),
    "open_data_complaints": (("text/csv", "application/x-ndjson"), _TEXT),
    "metrics": ("text/plain", _TEXT),
    "docs": ("text/html", _TEXT),
    "docs_asset": ("application/javascript", _TEXT),
    "store_page_html": ("text/html", _TEXT),
    "sign_in_page": ("text/html", _TEXT),
    "sign_in_page_send": ("text/html", _TEXT),
    "sign_in_page_code": ("text/html", _TEXT),
    "new_complaint_page": ("text/html", _TEXT),
    "complaint_preview": ("text/html", _TEXT),
    "new_complaint_sent": ("text/html", _TEXT),
    "my_complaints_page": ("text/html", _TEXT),
    "my_complaint_page": ("text/html", _TEXT),
    "my_complaint_decision": ("text/html", _TEXT),
    "my_complaint_rating": ("text/html", _TEXT),
    "claim_coupon_page": ("text/html", _TEXT),
    "claim_coupon_sent": ("text/html", _TEXT),
    "my_coupons_page": ("text/html", _TEXT),
    "rate_store_page": ("text/html", _TEXT),
    "rate_store_sent": ("text/html", _TEXT),
    "my_coupon_qr": ("image/png", {"type": "string", "format": "binary"}),
    "store_qr_svg": ("image/svg+xml", _TEXT),
    "store_qr_png": ("image/png", {"type": "string", "format": "binary"}),
    "store_stylesheet": ("text/css", _TEXT),
    "favicon": ("image/x-icon", {"type": "string", "format": "binary"}),
}
# error pages a person sees instead of JSON, besides those of pages and their forms (HTML
# unless the client asks for JSON: gateway/web.py ``for_browsers``)
HTML_ERRORS = frozenset({"store_page_html"})
# documents whose shape is their own standard's
DOCUMENTS = {"openapi": "an OpenAPI 3.0 document", "asyncapi": "an AsyncAPI 2.6 document"}

_MERCHANT = {
    "name": "湖滨小吃店", "credit_code": "91330106MA2B000426", "unit_type": "store",
    "industry": "catering", "region": "330106", "address": "杭州市西湖区文三路 100 号",
    "location": {"lng": 120.13, "lat": 30.28}, "contact_phone": "13800138000",
    "licences": [{"kind": "business_licence", "number": "BL-000426", "valid_until": "2030-12-31"},
                 {"kind": "food_operation", "number": "JY-000426", "valid_until": "2030-12-31"}],
    "commitments": {"no_reason_return_days": 7, "cross_store_return": False,
                    "first_inquiry_responsibility": True, "advance_compensation": False},
    "declaration": {"items": dict.fromkeys(("has_licences", "has_price_display", "has_commitment",
                                            "has_complaint_system", "has_purchase_records",
                                            "has_trust_sign", "has_complaint_channel",
                                            "has_after_sales", "no_counterfeits", "no_price_fraud",
                                            "no_false_advertising", "no_unfair_terms",
                                            "no_short_weight", "no_forced_trade",
                                            "no_safety_hazards", "no_unresolved_disputes"), True)},
}

REQUEST_EXAMPLES = {
    "dev_token": {"role": "merchant", "sub": "alice", "merchant_id": "shop-1"},
    "send_sign_in_code": {"phone": "13800138000"},
    "sign_in": {"phone": "13800138000", "code": "042917"},
    "apply_merchant": _MERCHANT,
    "resubmit_merchant": _MERCHANT,
    "update_merchant": {"address": "杭州市西湖区文三路 102 号", "contact_phone": "13800138001"},
    "review_merchant": {"stage": "onsite", "decision": "pass", "notes": "现场核查通过"},
    "act_on_merchant": {"action": "warn", "reason": "抽查发现价签不规范"},
    "set_stars": {"stars": 4},
    "rate_merchant": {"score": 5, "comment": "服务很好"},
    "licence_event": {"credit_code": "91330106MA2B000426", "event": "changed",
                      "changes": {"name": "湖滨小吃店（文三路店）"},
                      "occurred_at": "2026-11-21T08:00:00Z"},
    "create_spot_checks": {"region": "330100", "sample_size": 2},
    "spot_check_result": {"result": "pass", "notes": "合格"},
    "file_complaint": {"merchant_id": "shop-1", "category": "quality", "title": "菜品变质",
                       "description": "晚餐的鱼不新鲜", "amount_fen": 12800,
                       "occurred_on": "2026-11-20", "evidence_urls": [],
                       "contact_phone": "13900000000", "public_consent": True},
    "respond": {"proposal": "refund", "message": "全额退款并致歉", "amount_fen": 12800},
    "decide": {"accept": True, "comment": "满意"},
    "mediate": {"outcome": "resolved", "relief": "monetary", "amount_recovered_fen": 12800,
                "notes": "调解成功"},
    "rate_complaint": {"satisfaction": 5},
    "screen": {"decision": "forward"},
    "set_consent": {"public_consent": False},
    "reply_publicly": {"text": "已为顾客全额退款，并加强了食材进货查验。"},
    "create_campaign": {"name": "国庆餐饮消费券", "kind": "voucher", "face_value_fen": 2000,
                        "min_spend_fen": 10000, "total_quantity": 50000,
                        "per_consumer_limit": 1, "claim_starts_at": "2026-10-01T00:00:00Z",
                        "claim_ends_at": "2026-10-07T16:00:00Z", "valid_days": 7,
                        "eligibility": {"regions": ["330100"], "industries": ["catering"]},
                        "funding": "市财政消费券资金"},
    "claim": {"merchant_id": "shop-1"},
    "redeem": {"code": "dGhpcyBpcyBhIGNvZGU", "order_amount_fen": 12800},
    "roll_back": {"reason": "顾客退货"},
    "release_hold": {"reason": "现场核查为真实交易，解除暂缓"},
    "set_preferences": {"locale": "en", "region": "330106",
                        "contacts": {"email": "alice@example.cn", "phone": "13800138000"},
                        "opt_out": {"coupon": ["sms"]}},
    "draft_warning": {"title": "预付卡消费提示",
                      "body": "近期预付卡投诉增多，请谨慎办理大额预付卡。",
                      "region": "330100", "industry": "catering", "category": "contract"},
}
