"""A consumer's coupon pages for a phone's browser: claim a coupon a store page lists (the page
makes the ``Idempotency-Key``, so a double tap claims once), and their coupons with status,
expiry and each active coupon's code as a QR the till scans."""
import uuid
from urllib.parse import quote

from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from gateway import qr
from gateway.pages import html_page, refusal, step_then, to_sign_in
from gateway.routes.coupons import CLAIMS_TOGETHER
from gateway.store_page_html import TEXT as PAGE_TEXT
from gateway.store_page_html import coupon_row
from gateway.web import api
from plumbing.errors import not_found
from plumbing.rpc import call_together

TAGS = ["pages"]
TEXT = {
    "zh-CN": {"claim_title": "领取消费券", "claim": "确认领取", "mine": "我的消费券",
              "none": "还没有消费券。", "claimed": "领取成功，到店出示二维码核销。",
              "expires": "有效期至 ", "statuses": {"active": "可使用", "redeemed": "已使用",
                                              "expired": "已过期", "no_prize": "未中奖"}},
    "en": {"claim_title": "Claim a coupon", "claim": "Claim it", "mine": "My coupons",
           "none": "No coupons yet.", "claimed": "Claimed: show the QR code at the till.",
           "expires": "valid until ", "statuses": {"active": "ready to use", "redeemed": "used",
                                                  "expired": "expired", "no_prize": "no prize"}},
}
MAX_COUPONS = 100


class ClaimPageQuerySchema(Schema):
    campaign_id = fields.String(required=True, validate=validate.Length(1, 64))
    store_code = fields.String(load_default="", validate=validate.Length(max=64))


class MyCouponsQuerySchema(Schema):
    claimed = fields.Boolean(load_default=False)


class CouponPageRoutes:
    @api("GET", "/m/coupons/claim", query=ClaimPageQuerySchema, page=True, tags=TAGS,
         errors=(404,), summary="Claim a coupon a store page lists")
    def claim_coupon_page(self, call):
        query = call.query
        if call.actor is None:
            return to_sign_in(f"/m/coupons/claim?campaign_id={quote(query['campaign_id'])}"
                              f"&store_code={quote(query['store_code'])}")
        return self._claim_page(call, query["campaign_id"], query["store_code"])

    @api("POST", "/m/coupons/claim", page=True, csrf=True, rate_limit="claims", tags=TAGS,
         status=303, errors=(403, 404, 409), summary="The claim page's form: the coupon claimed")
    def claim_coupon_sent(self, call):
        form = call.form
        campaign_id, code = form.get("campaign_id", ""), form.get("store_code", "")
        if call.actor is None:
            return to_sign_in(f"/m/coupons/claim?campaign_id={quote(campaign_id)}")
        claim = {"actor": call.actor.to_dict(), "campaign_id": campaign_id, "payload": {},
                 "idempotency_key": f"page:{form.get('key', '')[:200]}",
                 "request_id": call.request_id}
        return step_then(
            lambda: call_together(CLAIMS_TOGETHER, campaign_id, self.coupons, "claim_together",
                                  claim), "/m/coupons?claimed=true",
            lambda exc: self._claim_page(call, campaign_id, code,
                                         error=refusal(exc, call.locale), status=exc.status))

    @api("GET", "/m/coupons", query=MyCouponsQuerySchema, page=True, tags=TAGS,
         summary="A consumer's coupons: status, expiry, each active one's code as a QR")
    def my_coupons_page(self, call):
        if call.actor is None:
            return to_sign_in("/m/coupons")
        return html_page(call, self.settings, "my_coupons.html", TEXT,
                         coupons=self.coupons.my_coupons(call.actor.to_dict(), None,
                                                         MAX_COUPONS)["items"],
                         claimed=call.query["claimed"])

    @api("GET", "/m/coupons/<coupon_id>/qr.png", page=True, tags=TAGS, errors=(404,),
         summary="An own active coupon's code as a QR code (PNG) for the till")
    def my_coupon_qr(self, call):
        if call.actor is None:
            raise not_found("COUPON_NOT_FOUND", "no such coupon of yours")
        coupon = self.coupons.my_coupon(call.actor.to_dict(), call.path["coupon_id"])
        return Response(qr.png(coupon["code"]), content_type="image/png",
                        headers={"Cache-Control": "private, no-store"})

    def _claim_page(self, call, campaign_id, store_code, error=None, status=200):
        campaign = self.coupons.get_campaign(campaign_id)  # 404 CAMPAIGN_NOT_FOUND
        _, terms = coupon_row(campaign, PAGE_TEXT[call.locale])
        return html_page(call, self.settings, "claim_coupon.html", TEXT, status,
                         campaign=campaign, terms=terms, store_code=store_code,
                         key=uuid.uuid4().hex, error=error)
