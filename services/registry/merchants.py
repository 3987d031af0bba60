"""A merchant read by its id (404 when there is none) and changed as a versioned document:
what every part of the registry's application code does with one. Every change regrades the
merchant's trust as the merchant will be after it, in the same write (grading.py); a regrade
alone writes only the trust."""
from plumbing.clock import to_rfc3339
from plumbing.errors import not_found
from plumbing.versioned import Change, apply_with_retries
from services.registry import grading
from services.registry.events import envelopes
from services.registry.store import MERCHANTS


class Merchants:
    def __init__(self, store, clock):
        self.store, self.clock = store, clock

    def get(self, merchant_id):
        merchant = self.store.get_merchant(merchant_id)
        if merchant is None:
            raise not_found("MERCHANT_NOT_FOUND", "no such merchant")
        return merchant

    def change(self, merchant_id, decide):
        """Applies ``decide(merchant) -> Change | None`` (decided again on a concurrent
        write): the merchant after it."""
        return apply_with_retries(lambda: self.get(merchant_id),
                                  lambda merchant: self._regraded(merchant, decide(merchant)),
                                  self._save)

    def regrade(self, merchant_id, decide):
        """Applies ``decide(merchant) -> Change | None`` of the merchant's trust alone (decided
        again on a concurrent write), written as that field, not the whole merchant: the
        merchant after it."""
        return apply_with_retries(lambda: self.get(merchant_id), decide, self._save_fields)

    def _regraded(self, merchant, change):
        """``change`` with the merchant's trust regraded as the change leaves the merchant."""
        if change is None:
            return None
        now = self.clock.now()
        regrade = grading.regraded({**merchant, **change.fields}, {}, now, now)
        if regrade is None:
            return change
        return Change({**change.fields, **regrade.fields}, change.events + regrade.events)

    def _save(self, merchant, change):
        return self.store.save_versioned(MERCHANTS, merchant, change.fields,
                                         envelopes(change.events, self.clock))

    def _save_fields(self, merchant, change):
        version = merchant["version"]
        return self.store.update_where(MERCHANTS, merchant, {"version": version},
                                       {**change.fields, "version": version + 1},
                                       envelopes(change.events, self.clock))

    def now(self):
        return to_rfc3339(self.clock.now())
