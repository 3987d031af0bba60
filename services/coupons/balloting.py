"""Ballot campaigns (摇号): sign-ups, the draw at its time, the winners' coupons, and what
anyone may read to check the draw (services/coupons/signups.py has the rules, ballot.py the
draw)."""
import logging

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

    def sign_up(self, consumer, campaign_id):
        """(the consumer's sign-up, whether it is new): one per consumer, a repeat answered
        with the first."""
        campaign = self.campaigns.recent_one(campaign_id)
        try:
            signups.require_ballot(campaign)
            rules.open_for_taking_part(campaign, self._now())
        except DomainError as exc:
            metrics.SIGNUPS.labels(exc.code).inc()
            raise
        signup = signups.new_signup(campaign, consumer, self._now())
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

    def signups_page(self, campaign_id, cursor=None):
        """A page of the published list of sign-ups (CSV, the header first), once the coupons
        are out: (text, next cursor)."""
        campaign = self.campaigns.get(campaign_id)
        signups.require_ballot(campaign)
        if campaign[signups.BALLOT]["state"] != signups.DRAWN:
            raise conflict("WRONG_STATE", "the list is published with the seed, after the draw")
        page, next_cursor = self.store.signup_page(campaign_id, cursor)
        lines = ([signups.CSV_HEADER] if cursor is None else []) + [
            signups.csv_line(s) for s in page]
        return {"text": "".join(f"{line}\r\n" for line in lines), "next_cursor": next_cursor}

    # --- the draw ---------------------------------------------------------------------------

    def draw_due(self, still_holding):
        """Draws the ballots whose time has come and issues their winners' coupons;
        ``still_holding()`` renews this replica's lease on the draw and says whether it did."""
        now = self._now()
        for campaign in self.store.ballots_due(now):
            if not signups.drawable(campaign, now, self.settings.ballot_grace_seconds):
                continue
            try:
                self.draw(campaign, still_holding)
            except DrawInterrupted:
                log.warning("ballot draw handed over", extra={"campaign_id": campaign["_id"]})
                return

    def draw(self, campaign, still_holding):
        """The draw of one ballot, resumable: winners follow from the seed and the sign-ups
        alone, and a coupon already issued is not issued again."""
        campaign_id = campaign["_id"]
        digest = signups.ListDigest()

        def entries():
            for signup in self._signups_read(campaign_id, still_holding, "read"):
                digest.add(signup)
                yield signup["signup_id"], signup["weight"], signup["group"]
        won = ballot.draw(bytes.fromhex(campaign[signups.SEED_FIELD]), entries(),
                          campaign["total_quantity"], signups.quotas_of(campaign))
        log.info("ballot drawn", extra={"campaign_id": campaign_id, "signups": digest.count,
                                        "winners": len(won)})
        campaign = self.campaigns.move(campaign_id, lambda c: Change(signups.drawn(
            c, digest.count, len(won), digest.hexdigest()), []))
        self._issue(campaign, won, still_holding)
        self.campaigns.move(campaign_id, lambda c: Change(
            signups.issued(c, self._now()), []))
        metrics.forget_draw(campaign_id)

    def _issue(self, campaign, won, still_holding):
        batch = []
        for signup in self._signups_read(campaign["_id"], still_holding, "issued"):
            if signup["signup_id"] in won:
                batch.append(self._coupon_of(campaign, signup, won[signup["signup_id"]]))
            if len(batch) >= self.issue_batch:
                self._record(batch)
                batch = []
        self._record(batch)

    def _record(self, batch):
        issued = self.store.insert_coupons(batch)
        metrics.BALLOT_COUPONS.inc(sum(issued))

    def _coupon_of(self, campaign, signup, group):
        coupon_id = signups.coupon_id_of(campaign["_id"], signup["signup_id"])
        coupon = {**rules.new_coupon(coupon_id, campaign, signup["consumer"], self._now()),
                  "signup_id": signup["signup_id"]}
        return coupon, envelopes([ballot_won(campaign, coupon, group)], self.clock), None

    def _signups_read(self, campaign_id, still_holding, stage):
        """The ballot's sign-ups in order, the lease renewed as they are read."""
        for n, signup in enumerate(self.store.signups_in_order(campaign_id), start=1):
            if n % self.lease_every == 0:
                metrics.DRAW_PROGRESS.labels(campaign_id, stage).set(n)
                if not still_holding():
                    raise DrawInterrupted(campaign_id)
            yield signup

    def _now(self):
        return to_rfc3339(self.clock.now())


def ballot_won(campaign, coupon, group):
    """The ``ballot_won`` event of a winner's coupon."""
    return ("ballot_won", {
        "coupon_id": coupon["_id"], "campaign_id": campaign["_id"],
        "consumer": coupon["consumer"], "campaign_name": campaign["name"],
        "prize": None, "signup_id": coupon["signup_id"], "group": group,
        "kind": campaign["kind"],
        **amounts({**campaign, **coupon}), "expires_at": coupon["expires_at"],
        "regions": campaign["eligibility"]["regions"]})
