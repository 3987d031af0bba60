"""The registry's word on merchants, as the coupons service keeps it: a copy built from the
registry's events (DESIGN.md rule 1), asked of the registry only for a merchant not seen yet."""
from plumbing.clock import to_rfc3339


class Standings:
    def __init__(self, store, registry, clock):
        self.store, self.registry, self.clock = store, registry, clock

    def of(self, merchant_id):
        """The merchant's standing (``known`` False when the registry has never heard of it)."""
        remembered = self.store.merchant(merchant_id)
        if remembered is not None:
            return {**remembered, "known": True}
        standing = self.registry.standing(merchant_id)
        if standing["known"]:
            self.store.remember_merchant(standing_fields(standing), to_rfc3339(self.clock.now()))
        return standing

    def certified(self, envelope):
        """Remembers a ``merchant_certified`` event."""
        self.store.remember_merchant(standing_fields({**envelope["data"], "status": "certified"}),
                                     envelope["occurred_at"])

    def status_changed(self, envelope):
        """Remembers a ``merchant_status_changed`` event."""
        data = envelope["data"]
        self.store.remember_merchant(standing_fields({**data, "status": data["to"]}),
                                     envelope["occurred_at"])


def standing_fields(data):
    return {"merchant_id": data["merchant_id"], "status": data["status"],
            "region": data["region"], "industry": data["industry"], "name": data.get("name", "")}
