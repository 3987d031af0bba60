"""Coupon routes."""
from datetime import date

from werkzeug.wrappers import Response

from contracts.schemas.coupons import (
    BallotSchema,
    CampaignPageSchema,
    CampaignQuerySchema,
    CampaignSchema,
    CampaignStatsSchema,
    CampaignViewSchema,
    CashOutPageSchema,
    ClaimSchema,
    CouponPageSchema,
    CouponSchema,
    HoldSchema,
    RedemptionResultSchema,
    RedemptionSchema,
    ReleaseSchema,
    RollbackSchema,
    SignupSchema,
)
from gateway.schemas import BallotListQuerySchema, PageQuerySchema, StatsQuerySchema
from gateway.web import api
from plumbing.coalesce import Coalescer
from plumbing.errors import invalid
from plumbing.rpc import call_together

TAGS = ["coupons"]

CAMPAIGN = "/api/v1/campaigns/<campaign_id>"
OPERATOR = ("operator",)
MAX_KEY_LENGTH = 255
CLAIMS_TOGETHER = Coalescer()
SIGNUPS_TOGETHER = Coalescer()


def idempotency_key(call):
    key = call.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise invalid({"Idempotency-Key": [f"1 to {MAX_KEY_LENGTH} characters"]})
    return key


def settlement_day(text):
    """A day of the daily settlement, ``YYYY-MM-DD`` (422 otherwise)."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise invalid({"day": ["a date, YYYY-MM-DD"]})


def campaign_action(action):
    def change(self, call):
        return self.coupons.change_campaign(call.actor.to_dict(), call.path["campaign_id"],
                                            action)
    change.__name__ = f"{action}_campaign"
    return api("POST", f"{CAMPAIGN}/{action}", roles=OPERATOR, response=CampaignViewSchema,
               tags=TAGS, errors=(404, 409), summary=f"{action.capitalize()} the campaign")(change)


class CouponRoutes:
    @api("POST", "/api/v1/campaigns", roles=OPERATOR, body=CampaignSchema,
         response=CampaignViewSchema, status=201, tags=TAGS,
         summary="Create a campaign (draft); valid_days or valid_until sets coupon validity")
    def create_campaign(self, call):
        return self.coupons.create_campaign(call.actor.to_dict(), call.body)

    activate_campaign = campaign_action("activate")
    pause_campaign = campaign_action("pause")
    resume_campaign = campaign_action("resume")
    cancel_campaign = campaign_action("cancel")

    @api("GET", CAMPAIGN, roles=OPERATOR, response=CampaignViewSchema, tags=TAGS,
         errors=(404,), summary="A campaign with what remains")
    def get_campaign(self, call):
        return self.coupons.get_campaign(call.path["campaign_id"])

    @api("GET", "/api/v1/public/campaigns", query=CampaignQuerySchema, tags=TAGS, cacheable=True,
         response=CampaignPageSchema,
         summary="Active campaigns; region, merchant_id")
    def public_campaigns(self, call):
        return self.coupons.public_campaigns(call.query)

    @api("POST", CAMPAIGN + "/claims", roles=("consumer",), body=ClaimSchema,
         response=CouponSchema, status=201, tags=TAGS, errors=(404, 409), rate_limit="claims",
         summary="Claim a coupon (Idempotency-Key: a retry returns the first answer)")
    def claim(self, call):
        claim = {"actor": call.actor.to_dict(), "campaign_id": call.path["campaign_id"],
                 "payload": call.body, "idempotency_key": idempotency_key(call),
                 "request_id": call.request_id}
        # a rush's claims of a campaign travel to the coupons service together: one RPC for
        # the claims arriving while the one before is on its way
        return call_together(CLAIMS_TOGETHER, claim["campaign_id"], self.coupons,
                             "claim_together", claim)

    @api("POST", CAMPAIGN + "/signups", roles=("consumer",), response=SignupSchema,
         status=201, tags=TAGS, errors=(404, 409), rate_limit="claims",
         summary="Sign up for a ballot (one per consumer: a repeat is 200 with the first)")
    def sign_up(self, call):
        signup = {"actor": call.actor.to_dict(), "campaign_id": call.path["campaign_id"],
                  "request_id": call.request_id}
        # like claims: a rush's sign-ups of a campaign travel together, one RPC at a time
        signed, new = call_together(SIGNUPS_TOGETHER, signup["campaign_id"], self.coupons,
                                    "sign_up_together", signup)
        return signed if new else (200, signed)

    @api("GET", CAMPAIGN + "/signups/mine", roles=("consumer",), response=SignupSchema,
         tags=TAGS, errors=(404,), summary="Own sign-up for a ballot, with its result")
    def my_signup(self, call):
        return self.coupons.my_signup(call.actor.to_dict(), call.path["campaign_id"])

    @api("GET", "/api/v1/public/campaigns/<campaign_id>/ballot", response=BallotSchema,
         tags=TAGS, errors=(404, 409), cacheable=True,
         summary="A ballot's commitment, and after the draw its seed and counts")
    def public_ballot(self, call):
        return self.coupons.public_ballot(call.path["campaign_id"])

    @api("GET", "/api/v1/public/campaigns/<campaign_id>/ballot/signups.csv", tags=TAGS,
         query=BallotListQuerySchema, errors=(404, 409),
         summary="After a draw, its sign-ups in order: signup_id,weight,group "
                 "(examples/verify_draw.py)")
    def ballot_signups(self, call):
        campaign_id, k = call.path["campaign_id"], call.query["draw"]
        first = self.coupons.ballot_signups_page(campaign_id, k)  # 404 or 409 before it starts
        return Response(self._pages(first, lambda cursor: self.coupons.ballot_signups_page(
            campaign_id, k, cursor)), content_type="text/csv; charset=utf-8", headers={
                "Content-Disposition":
                    f'attachment; filename="signups-{campaign_id}-{k}.csv"'})

    @api("GET", "/api/v1/me/coupons", roles=("consumer",), query=PageQuerySchema, tags=TAGS,
         response=CouponPageSchema,
         summary="Own coupons with their status")
    def my_coupons(self, call):
        return self.coupons.my_coupons(call.actor.to_dict(), call.query.get("cursor"),
                                       call.query["limit"])

    @api("POST", "/api/v1/redemptions", roles=("merchant",), body=RedemptionSchema,
         response=RedemptionResultSchema, status=201, tags=TAGS, errors=(404, 409),
         summary="Redeem a coupon at the till (Idempotency-Key)")
    def redeem(self, call):
        return self.coupons.redeem(call.actor.to_dict(), call.body, idempotency_key(call))

    @api("POST", "/api/v1/redemptions/<redemption_id>/rollback", roles=("merchant",),
         body=RollbackSchema, response=RedemptionResultSchema, tags=TAGS, errors=(404, 409),
         summary="Undo a redemption within the rollback window")
    def roll_back(self, call):
        return self.coupons.roll_back(call.actor.to_dict(), call.path["redemption_id"],
                                      call.body)

    @api("GET", CAMPAIGN + "/stats", roles=OPERATOR, tags=TAGS, errors=(404,),
         query=StatsQuerySchema, response=CampaignStatsSchema,
         summary="Issued, redeemed, remaining, money, leverage, per merchant (paged)")
    def campaign_stats(self, call):
        return self.coupons.campaign_stats(call.path["campaign_id"], call.query.get("cursor"),
                                           call.query["limit"])

    @api("GET", CAMPAIGN + "/settlements/<day>.csv", roles=OPERATOR, tags=TAGS,
         errors=(404,), summary="A day's settlement (T+1), China Standard Time: each merchant "
                                "held or payable, and the TOTAL; X-Settlement-Final says "
                                "whether the day can still change")
    def daily_settlement(self, call):
        campaign_id, day = call.path["campaign_id"], settlement_day(call.path["day"])
        first = self.coupons.daily_settlement_page(campaign_id, day)  # 404 before it starts
        return Response(self._pages(first, lambda cursor: self.coupons.daily_settlement_page(
            campaign_id, day, cursor)), content_type="text/csv; charset=utf-8", headers={
                "Content-Disposition":
                    f'attachment; filename="settlement-{campaign_id}-{day}.csv"',
                "X-Settlement-Final": "true" if first["final"] else "false"})

    @api("GET", CAMPAIGN + "/cash-out", roles=OPERATOR, tags=TAGS, errors=(404,),
         query=PageQuerySchema, response=CashOutPageSchema,
         summary="Each merchant's cash-out signals explained, and its hold (paged)")
    def cash_out(self, call):
        return self.coupons.cash_out_view(call.actor.to_dict(), call.path["campaign_id"],
                                          call.query.get("cursor"), call.query["limit"])

    @api("POST", CAMPAIGN + "/holds/<merchant_id>/release", roles=OPERATOR, body=ReleaseSchema,
         response=HoldSchema, tags=TAGS, errors=(404, 409),
         summary="Release a merchant's held settlement, saying why")
    def release_hold(self, call):
        return self.coupons.release_hold(call.actor.to_dict(), call.path["campaign_id"],
                                         call.path["merchant_id"], call.body)

    @api("GET", CAMPAIGN + "/settlement.csv", roles=OPERATOR, tags=TAGS, errors=(404,),
         summary="One row per merchant and a TOTAL row, streamed page by page")
    def settlement(self, call):
        campaign_id = call.path["campaign_id"]
        first = self.coupons.settlement_page(campaign_id)  # a 404 before the answer starts
        return Response(self._pages(first, lambda cursor: self.coupons.settlement_page(
            campaign_id, cursor)),
                        content_type="text/csv; charset=utf-8", headers={
                            "Content-Disposition":
                                f'attachment; filename="settlement-{campaign_id}.csv"'})

    @staticmethod
    def _pages(page, next_page):
        """A CSV as its pages arrive from the coupons service: the gateway never holds more
        than one."""
        while True:
            yield page["text"].encode("utf-8")
            if page["next_cursor"] is None:
                return
            page = next_page(page["next_cursor"])
