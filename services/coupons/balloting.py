"""Ballot campaigns (摇号): sign-ups, the draw at its time, the winners' coupons, and what
anyone may read to check the draw (services/coupons/signups.py has the rules, ballot.py the
draw)."""
import logging
from collections import Counter

from contracts.coupon_kinds import amounts
from plumbing.clock import to_rfc3339
from plumbing.errors import DomainError, conflict, not_found
from plumbing.versioned import Change
from services.coupons import ballot, metrics, rules, signups
from services.coupons.events import envelopes

log = logging.getLogger(__name__)

ISSUE_BATCH = 500
LEASE_EVERY = 5000  # sign-ups read between two renewals of the draw's lease


class DrawInterrupted(Exception):
    """The replica lost the draw's lease (it stalled past it): another one goes on."""


class Balloting:
    def __init__(self, store, clock, settings, campaigns, batches, lease_every=LEASE_EVERY,
                 issue_batch=ISSUE_BATCH):
        """``batches``: the process's Coalescer, so that sign-ups arriving together are
        stored in one round trip."""
        self.store, self.clock, self.settings = store, clock, settings
        self.campaigns, self.batches = campaigns, batches
        self.lease_every, self.issue_batch = lease_every, issue_batch

    # --- sign-ups --------------------------------------------------------------------------

    def sign_up(self, consumer, campaign_id, tags=()):
        """(the consumer's sign-up, whether it is new): one per consumer, a repeat answered
        with the first; ``tags``, the groups its token vouches for."""
        campaign = self.campaigns.recent_one(campaign_id)
        try:
            signups.require_ballot(campaign)
            rules.open_for_taking_part(campaign, self._now())
        except DomainError as exc:
            metrics.SIGNUPS.labels(exc.code).inc()
            raise
        signup = signups.new_signup(campaign, consumer, self._now(), tags)
        [(stored, new)] = self.batches.submit_many(("signups", campaign_id), [signup],
                                                   self.store.insert_signups)
        metrics.SIGNUPS.labels("signed_up" if new else "again").inc()
        return signups.signup_view(stored, campaign, won=False), new

    def my_signup(self, consumer, campaign_id):
        campaign = self.campaigns.get(campaign_id)
        signup = self.store.signup(signups.signup_document_id(campaign_id, consumer))
        if signup is None:
            raise not_found("NOT_FOUND", "you have not signed up for this campaign")
        won = self.store.coupon(signups.coupon_id_of(campaign_id, signup["signup_id"]))
        return signups.signup_view(signup, campaign, won is not None)

    # --- what anyone may read ---------------------------------------------------------------

    def public_ballot(self, campaign_id):
        campaign = self.campaigns.get(campaign_id)
        signups.require_ballot(campaign)
        return signups.public_ballot(campaign)

    def signups_page(self, campaign_id, k=0, cursor=None):
        """A page of draw ``k``'s published list of sign-ups (CSV, the header first), once its
        coupons are out: {text, next_cursor}."""
        campaign = self.campaigns.get(campaign_id)
        signups.require_ballot(campaign)
        if not 0 <= k < len(signups.draws(campaign)):
            raise not_found("NOT_FOUND", "the ballot has no such draw")
        if signups.draws(campaign)[k]["state"] != signups.DRAWN:
            raise conflict("WRONG_STATE", "a draw's list is published with its seed, after it")
        page, next_cursor = self.store.signup_page(campaign_id, cursor)
        lines = ([signups.CSV_HEADER] if cursor is None else []) + [
            signups.csv_line(signups.draw_entry(s, campaign, k)) for s in page
            if signups.takes_part(s, campaign, k)]
        return {"text": "".join(f"{line}\r\n" for line in lines), "next_cursor": next_cursor}

    # --- the draw ---------------------------------------------------------------------------

    def draw_due(self, still_holding):
        """Draws the ballots whose time has come and issues their winners' coupons;
        ``still_holding()`` renews this replica's lease on the draw and says whether it did."""
        now = self._now()
        for campaign in self.store.ballots_due(now):
            try:
                while signups.drawable(campaign, now, self.settings.ballot_grace_seconds):
                    campaign = self.draw(campaign, still_holding)
            except DrawInterrupted:
                log.warning("ballot draw handed over", extra={"campaign_id": campaign["_id"]})
                return

    def draw(self, campaign, still_holding):
        """The ballot's next draw, resumable: its winners follow from its seed and its list
        alone, and a coupon already issued is not issued again. Answers the campaign after
        it."""
        campaign_id, k = campaign["_id"], signups.next_draw(campaign)
        coupons, slots = signups.stakes(campaign, k)
        digest = signups.ListDigest()

        def entries():
            for entry in self._entries(campaign, k, still_holding, "read"):
                digest.add(entry)
                yield entry
        won = ballot.draw(bytes.fromhex(campaign[signups.SEED_FIELD][k]), entries(), coupons,
                          [ballot.Quota(group, n) for group, n in slots.items()])
        by_group = Counter(group for group in won.values() if group is not None)
        log.info("ballot drawn", extra={"campaign_id": campaign_id, "draw": k,
                                        "signups": digest.count, "winners": len(won)})
        campaign = self.campaigns.move(campaign_id, lambda c: Change(signups.drawing(
            c, k, coupons, slots, digest.count, len(won), dict(by_group), digest.hexdigest()),
            []))
        self._issue(campaign, k, won, still_holding)
        campaign = self.campaigns.move(campaign_id, lambda c: Change(
            signups.issued(c, k, self._now()), []))
        metrics.forget_draw(campaign_id)
        return campaign

    def _issue(self, campaign, k, won, still_holding):
        batch = []
        for signup in self._signups_read(campaign, k, still_holding, "issued"):
            if signup["signup_id"] in won:
                batch.append((signup, won[signup["signup_id"]]))
            if len(batch) >= self.issue_batch:
                self._record(campaign, k, batch)
                batch = []
        self._record(campaign, k, batch)

    def _record(self, campaign, k, batch):
        """Issues the coupons of a batch of winners, then marks their sign-ups as chosen (a
        sign-up is in a later draw only if no coupon of it can be: resumed, this draw reads
        the same list)."""
        issued = self.store.insert_coupons([self._coupon_of(campaign, k, signup, group)
                                            for signup, group in batch])
        self.store.mark_won([signup["_id"] for signup, _ in batch], k)
        metrics.BALLOT_COUPONS.inc(sum(issued))

    def _coupon_of(self, campaign, k, signup, group):
        coupon_id = signups.coupon_id_of(campaign["_id"], signup["signup_id"])
        coupon = {**rules.new_coupon(coupon_id, campaign, signup["consumer"], self._now()),
                  "signup_id": signup["signup_id"]}
        return coupon, envelopes([ballot_won(campaign, k, coupon, group)], self.clock), None

    def _entries(self, campaign, k, still_holding, stage):
        """Draw ``k``'s list: ``(signup_id, weight, group)`` in sign-up id order."""
        for signup in self._signups_read(campaign, k, still_holding, stage):
            yield signups.draw_entry(signup, campaign, k)

    def _signups_read(self, campaign, k, still_holding, stage):
        """The sign-ups of draw ``k`` in order, the lease renewed as they are read."""
        for n, signup in enumerate(self.store.signups_in_order(campaign["_id"]), start=1):
            if n % self.lease_every == 0:
                metrics.DRAW_PROGRESS.labels(campaign["_id"], stage).set(n)
                if not still_holding():
                    raise DrawInterrupted(campaign["_id"])
            if signups.takes_part(signup, campaign, k):
                yield signup

    def _now(self):
        return to_rfc3339(self.clock.now())


def ballot_won(campaign, k, coupon, group):
    """The ``ballot_won`` event of a winner's coupon, drawn in draw ``k``."""
    return ("ballot_won", {
        "coupon_id": coupon["_id"], "campaign_id": campaign["_id"], "draw": k,
        "consumer": coupon["consumer"], "campaign_name": campaign["name"],
        "prize": None, "signup_id": coupon["signup_id"], "group": group,
        "kind": campaign["kind"],
        **amounts({**campaign, **coupon}), "expires_at": coupon["expires_at"],
        "regions": campaign["eligibility"]["regions"]})
