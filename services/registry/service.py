"""Registry entrypoints: validate → domain → store → events (DESIGN.md rule 3)."""
import logging


from plumbing.actors import Actor
from plumbing.clock import ClockProvider, to_rfc3339
from plumbing.errors import forbidden, not_found, validated
from plumbing.events import new_event
from plumbing.mongo import Mongo
from plumbing.service import FangxinService, rpc
from services.registry import domain
from services.registry.catalogue import STANDARD
from services.registry.schemas import MerchantApplicationSchema
from services.registry.store import RegistryStore

log = logging.getLogger(__name__)


class RegistryService(FangxinService):
    name = "registry"

    store = Mongo(RegistryStore)
    clock = ClockProvider()

    @rpc
    def standard(self):
        return {"items": STANDARD}

    @rpc
    def apply(self, actor, payload):
        actor = Actor.from_dict(actor)
        if not actor.merchant_id:
            raise forbidden(message="a merchant account (token with merchant_id) applies")
        application = validated(MerchantApplicationSchema(), payload)
        now = self.clock.now()
        reasons = domain.precheck(application, now.date(),
                                  self.store.is_abnormal_listed(application["credit_code"]))
        merchant = domain.new_merchant(actor.merchant_id, application, reasons, actor.sub,
                                       to_rfc3339(now))
        events = [new_event(self.name, "merchant_applied",
                            domain.applied_event_data(merchant), self.clock)]
        if reasons:
            events.append(new_event(self.name, "merchant_rejected",
                                    {"merchant_id": merchant["_id"], "reasons": reasons},
                                    self.clock))
        self.store.insert_merchant(merchant, events)
        log.info("merchant applied", extra={"merchant_id": merchant["_id"],
                                            "status": merchant["status"]})
        return domain.view(merchant)

    @rpc
    def get_merchant(self, actor, merchant_id):
        actor = Actor.from_dict(actor)
        merchant = self.store.get_merchant(merchant_id)
        if merchant is None:
            raise not_found("MERCHANT_NOT_FOUND", "no such merchant")
        if actor.merchant_id == merchant_id and actor.role == "merchant":
            return domain.view(merchant)
        if actor.role == "regulator":
            if actor.has_jurisdiction_over(merchant["region"]):
                return domain.view(merchant)
            raise forbidden("OUT_OF_JURISDICTION", "the merchant is outside your region")
        raise forbidden()
