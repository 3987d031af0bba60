"""Registry routes."""
from contracts.schemas.registry import (
    ActionSchema,
    GradeDistributionSchema,
    GradeStatsQuerySchema,
    LicenceEventResultSchema,
    LicenceEventSchema,
    ListingPageSchema,
    MerchantApplicationSchema,
    MerchantListSchema,
    MerchantPageSchema,
    MerchantPatchSchema,
    MerchantSchema,
    PublicSearchSchema,
    RatingResultSchema,
    RatingSchema,
    ReviewSchema,
    SpotCheckBatchSchema,
    SpotCheckPageSchema,
    SpotCheckRequestSchema,
    SpotCheckResultSchema,
    SpotCheckTaskSchema,
    StandardSchema,
    StarsSchema,
)
from gateway.schemas import PageQuerySchema, SpotCheckQuerySchema
from gateway.web import api
from plumbing.errors import not_found

TAGS = ["registry"]
MERCHANT = "/api/v1/merchants/<merchant_id>"


class RegistryRoutes:
    @api("GET", "/api/v1/registry/standard", response=StandardSchema, tags=TAGS,
         summary="The certification checklist (八有八无)")
    def standard(self, call):
        return self.registry.standard()

    @api("POST", "/api/v1/merchants", roles=("merchant",), body=MerchantApplicationSchema,
         response=MerchantSchema, status=201, tags=TAGS, errors=(409,),
         summary="Apply for certification; the automatic pre-check runs at once")
    def apply_merchant(self, call):
        return self.registry.apply(call.actor.to_dict(), call.body)

    @api("GET", "/api/v1/merchants", roles=("regulator",), query=MerchantListSchema,
         response=MerchantPageSchema, tags=TAGS, summary="Merchants in your jurisdiction")
    def list_merchants(self, call):
        return self.registry.list_merchants(call.actor.to_dict(), call.query)

    @api("GET", MERCHANT, roles=("merchant", "regulator"), response=MerchantSchema, tags=TAGS,
         errors=(404,), summary="A merchant's full record with its history")
    def get_merchant(self, call):
        return self.registry.get_merchant(call.actor.to_dict(), call.path["merchant_id"])

    @api("PATCH", MERCHANT, roles=("merchant",), body=MerchantPatchSchema,
         response=MerchantSchema, tags=TAGS, errors=(404,), summary="Update profile or licences")
    def update_merchant(self, call):
        return self.registry.update_merchant(call.actor.to_dict(), call.path["merchant_id"],
                                             call.body)

    @api("POST", MERCHANT + "/resubmit", roles=("merchant",), body=MerchantApplicationSchema,
         response=MerchantSchema, tags=TAGS, errors=(404, 409),
         summary="Send a fixed application again after a rejection")
    def resubmit_merchant(self, call):
        return self.registry.resubmit(call.actor.to_dict(), call.path["merchant_id"], call.body)

    @api("POST", MERCHANT + "/reviews", roles=("regulator",), body=ReviewSchema,
         response=MerchantSchema, tags=TAGS, errors=(404, 409),
         summary="Record an on-site, county or final review")
    def review_merchant(self, call):
        return self.registry.review(call.actor.to_dict(), call.path["merchant_id"], call.body)

    @api("POST", MERCHANT + "/actions", roles=("regulator",), body=ActionSchema,
         response=MerchantSchema, tags=TAGS, errors=(404, 409),
         summary="Warn, clear, suspend, restore, revoke, red- or black-list")
    def act_on_merchant(self, call):
        return self.registry.act(call.actor.to_dict(), call.path["merchant_id"], call.body)

    @api("PUT", MERCHANT + "/stars", roles=("regulator",), body=StarsSchema,
         response=MerchantSchema, tags=TAGS, errors=(404, 409), summary="Set the star rating")
    def set_stars(self, call):
        return self.registry.set_stars(call.actor.to_dict(), call.path["merchant_id"],
                                       call.body)

    @api("POST", MERCHANT + "/ratings", roles=("consumer",), body=RatingSchema,
         response=RatingResultSchema, status=201, tags=TAGS, errors=(404, 409),
         summary="Rate a unit 1–5, once per 30 days")
    def rate_merchant(self, call):
        return self.registry.rate(call.actor.to_dict(), call.path["merchant_id"], call.body)

    @api("POST", "/api/v1/registry/licence-events", roles=("system", "regulator"),
         body=LicenceEventSchema, response=LicenceEventResultSchema, tags=TAGS,
         summary="The business-licence registry's feed")
    def licence_event(self, call):
        return self.registry.licence_event(call.actor.to_dict(), call.body)

    @api("POST", "/api/v1/spot-checks", roles=("regulator",), body=SpotCheckRequestSchema,
         response=SpotCheckBatchSchema, status=201, tags=TAGS,
         summary="Draw a random sample per county and assign the checks")
    def create_spot_checks(self, call):
        return self.registry.create_spot_checks(call.actor.to_dict(), call.body)

    @api("GET", "/api/v1/stats/grades", roles=("regulator",), query=GradeStatsQuerySchema,
         response=GradeDistributionSchema, tags=TAGS,
         summary="Units of a region by the stars of their computed trust grade")
    def grade_statistics(self, call):
        return self.registry.grade_statistics(call.actor.to_dict(), call.query)

    @api("GET", "/api/v1/spot-checks", roles=("regulator",), query=SpotCheckQuerySchema,
         tags=TAGS, response=SpotCheckPageSchema, summary="Spot checks in your jurisdiction")
    def list_spot_checks(self, call):
        return self.registry.list_spot_checks(call.actor.to_dict(), call.query)

    @api("POST", "/api/v1/spot-checks/<task_id>/result", roles=("regulator",),
         body=SpotCheckResultSchema, response=SpotCheckTaskSchema, tags=TAGS, errors=(404, 409),
         summary="Record a spot check's result: pass, warn or fail")
    def spot_check_result(self, call):
        return self.registry.spot_check_result(call.actor.to_dict(), call.path["task_id"],
                                               call.body)

    @api("GET", "/api/v1/public/merchants", query=PublicSearchSchema, response=ListingPageSchema,
         tags=TAGS, cacheable=True, summary="Search certified units")
    def public_search(self, call):
        return self.registry.public_search(call.query)

    @api("GET", "/api/v1/public/lists/<kind>", query=PageQuerySchema,
         response=ListingPageSchema, tags=TAGS, errors=(404,), summary="The red or black list")
    def public_list(self, call):
        kind = call.path["kind"]
        if kind not in ("red", "black"):
            raise not_found(message="the lists are red and black")
        return self.registry.public_list(kind, call.query.get("cursor"), call.query["limit"])
