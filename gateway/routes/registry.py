"""Registry routes."""
from gateway.web import api
from services.registry.schemas import MerchantApplicationSchema, MerchantSchema, StandardSchema

TAGS = ["registry"]


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

    @api("GET", "/api/v1/merchants/<merchant_id>", roles=("merchant", "regulator"),
         response=MerchantSchema, tags=TAGS, errors=(404,),
         summary="A merchant's full record with its history")
    def get_merchant(self, call):
        return self.registry.get_merchant(call.actor.to_dict(), call.path["merchant_id"])
