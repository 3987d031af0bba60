"""The steps of a complaint's life after filing (the merchant's response, the consumer's
decision, mediation, withdrawal, screening, satisfaction), each decided by ``lifecycle`` on the
complaint as read and stored with its events unless somebody wrote in between (then read and
decided again); and the complaints as an actor may see them."""
from plumbing.clock import from_rfc3339, to_rfc3339
from plumbing.errors import forbidden, not_found
from plumbing.versioned import apply_with_retries
from services.complaints import lifecycle, listing, metrics
from services.complaints.events import envelopes
from services.complaints.store import COMPLAINTS


class Handling:
    def __init__(self, store, clock, settings):
        self.store, self.clock, self.settings = store, clock, settings

    # --- reading -------------------------------------------------------------------------------

    def get(self, complaint_id):
        complaint = self.store.get(complaint_id)
        if complaint is None:
            raise not_found(message="no such complaint")
        return complaint

    def view(self, actor, complaint_id):
        """The complaint as ``actor`` may see it; 403 when it may see nothing of it."""
        shown = lifecycle.view_for(self.get(complaint_id), actor)
        if shown is None:
            if actor.role == "regulator":
                raise forbidden("OUT_OF_JURISDICTION", "the complaint is outside your region")
            raise forbidden()
        return shown

    def page(self, actor, query):
        """A page of the complaints ``actor`` may see (``listing`` says which)."""
        ranges, accept = listing.list_ranges(actor, query)
        complaints, next_cursor = self.store.page(ranges, accept, query.get("cursor"),
                                                  query.get("limit", 20))
        return {"items": [lifecycle.view_for(c, actor) for c in complaints],
                "next_cursor": next_cursor}

    # --- the steps, each answering the complaint as its actor sees it after -----------------

    def respond(self, actor, complaint_id, response):
        complaint = self.step(complaint_id, lambda c: lifecycle.respond(
            c, actor, response, self._now(), self.settings))
        metrics.RESPONSE_SECONDS.observe((from_rfc3339(complaint["responded_at"]) -
                                          from_rfc3339(complaint["forwarded_at"]))
                                         .total_seconds())
        return lifecycle.view_for(complaint, actor)

    def decide(self, actor, complaint_id, accept, comment):
        return self._stepped_view(actor, complaint_id, lambda c: lifecycle.decide(
            c, actor, accept, comment, self._now(), self.settings))

    def mediate(self, actor, complaint_id, mediation):
        return self._stepped_view(actor, complaint_id, lambda c: lifecycle.mediate(
            c, actor, mediation, self._now()))

    def withdraw(self, actor, complaint_id):
        return self._stepped_view(actor, complaint_id, lambda c: lifecycle.withdraw(
            c, actor, self._now()))

    def set_consent(self, actor, complaint_id, consent):
        return self._stepped_view(actor, complaint_id, lambda c: lifecycle.set_consent(
            c, actor, consent, self._now()))

    def reply_publicly(self, actor, complaint_id, text):
        return self._stepped_view(actor, complaint_id, lambda c: lifecycle.reply_publicly(
            c, actor, text, self._now()))

    def _stepped_view(self, actor, complaint_id, decide):
        """The complaint after ``decide``'s step, as ``actor`` sees it."""
        return lifecycle.view_for(self.step(complaint_id, decide), actor)

    def rate(self, actor, complaint_id, satisfaction):
        return self._stepped_view(actor, complaint_id, lambda c: lifecycle.rate(
            c, actor, satisfaction, self._now()))

    def screen(self, actor, complaint_id, decision, notes):
        return self._stepped_view(actor, complaint_id, lambda c: lifecycle.screen(
            c, actor, decision, notes, self._now(), self.settings))

    def step(self, complaint_id, decide):
        """Applies ``decide(complaint) -> Change | None`` (retried on a concurrent write): the
        complaint after it."""
        return apply_with_retries(lambda: self.get(complaint_id), decide, self._save)

    def _save(self, complaint, change):
        return self.store.save_versioned(COMPLAINTS, complaint, change.fields,
                                         envelopes(change.events, self.clock))

    def _now(self):
        return to_rfc3339(self.clock.now())
