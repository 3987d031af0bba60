"""A merchant's application and its reviews: applied (with the automatic pre-check),
resubmitted after a rejection, the profile changed by its owner, reviewed on site, by the
county and finally (certified); and read by its owner or a regulator of its region."""
import logging

from plumbing.clock import to_rfc3339
from plumbing.errors import conflict, forbidden, invalid
from plumbing.versioned import Change
from services.registry import certification, domain, listing, metrics
from services.registry.events import envelopes

log = logging.getLogger(__name__)


class Applications:
    def __init__(self, store, clock, merchants):
        """``merchants``: the Merchants (reads and versioned changes) over the same store."""
        self.store, self.clock, self.merchants = store, clock, merchants

    def apply(self, merchant_id, application, by):
        """A new application by the merchant account ``merchant_id`` (``application``: the
        decoded body): stored with its ``merchant_applied`` event (and ``merchant_rejected``
        when the pre-check refuses it)."""
        self._refuse_expired(application)
        now = self.clock.now()
        reasons = self._precheck(application, now)
        merchant = domain.new_merchant(merchant_id, application, reasons, by, to_rfc3339(now))
        events = [("merchant_applied", domain.applied_event_data(merchant))]
        if reasons:
            events.append(("merchant_rejected", {"merchant_id": merchant["_id"],
                                                 "reasons": reasons}))
        self.store.insert_merchant(merchant, envelopes(events, self.clock))
        log.info("merchant applied", extra={"merchant_id": merchant["_id"],
                                            "status": merchant["status"]})
        return domain.view(merchant)

    def resubmit(self, actor, merchant_id, application):
        """A rejected application fixed and sent again by its owner (整改)."""
        self._refuse_expired(application)

        def decide(merchant):
            certification.ensure_owner(actor, merchant)
            if merchant["status"] != "rejected":
                raise conflict("WRONG_STATE", "only a rejected application is resubmitted",
                               {"status": merchant["status"]})
            if application["credit_code"] != merchant["credit_code"]:
                raise invalid({"credit_code": ["the credit code cannot change"]})
            now = self.clock.now()
            reasons = self._precheck(application, now)
            fields = domain.resubmission(merchant, application, reasons, actor.sub,
                                         to_rfc3339(now))
            events = [("merchant_applied", domain.applied_event_data(
                {**merchant, **fields, "resubmitted": True}))]
            return Change(fields, events)

        return domain.view(self.merchants.change(merchant_id, decide))

    def update(self, actor, merchant_id, updates):
        """The owner's change of its profile (``updates``: at least one decoded field)."""
        self._refuse_expired(updates)

        def decide(merchant):
            certification.ensure_owner(actor, merchant)
            fields = domain.profile_update(merchant, updates, actor.sub, self.merchants.now())
            return Change(fields, [("merchant_updated", {
                "merchant_id": merchant["_id"], "changes": sorted(updates), "by": actor.sub})])

        return domain.view(self.merchants.change(merchant_id, decide))

    def review(self, actor, merchant_id, stage, decision, notes):
        """A regulator's review at ``stage`` (onsite, county, final): passed, the application
        moves on (the final one certifies it); failed, it is rejected with reasons."""
        merchant = self.merchants.change(merchant_id, lambda m: certification.review(
            m, actor, stage, decision, notes, self.merchants.now()))
        metrics.REVIEWS.labels(stage, decision).inc()
        return domain.view(merchant)

    def get(self, actor, merchant_id):
        """The merchant as its own account or a regulator of its region sees it."""
        merchant = self.merchants.get(merchant_id)
        if actor.role == "merchant" and actor.merchant_id == merchant_id:
            return domain.view(merchant)
        if actor.role == "regulator":
            if actor.has_jurisdiction_over(merchant["region"]):
                return domain.view(merchant)
            raise forbidden("OUT_OF_JURISDICTION", "the merchant is outside your region")
        raise forbidden()

    def page(self, actor, query):
        """A page of the merchants ``actor`` may list (listing.list_ranges)."""
        ranges, accept = listing.list_ranges(actor, query)
        merchants, next_cursor = self.store.page(ranges, accept, query.get("cursor"),
                                                 query.get("limit", 20))
        return {"items": [domain.view(m) for m in merchants], "next_cursor": next_cursor}

    def _refuse_expired(self, application):
        """422 when a licence of the decoded body has already expired."""
        expired = domain.expired_licence_errors(application.get("licences", []),
                                                self.clock.now().date())
        if expired:
            raise invalid({"licences": expired})

    def _precheck(self, application, now):
        return domain.precheck(application, now.date(),
                               self.store.is_abnormal_listed(application["credit_code"]))
