"""Ballot campaigns (摇号), free of I/O: the campaign's ballot, a consumer's sign-up and its
result, the published list of sign-ups and the coupons of the winners. The draw itself is
``ballot.py``'s.

A ballot campaign takes sign-ups in its claim window, one per consumer; at ``draw_at`` (and
no sooner than ``grace`` seconds after the window, so that no sign-up checked before the end
is still being written) the draw reads every sign-up in sign-up id order and allocates the
coupons; then each winner's coupon is issued, under an id derived from its sign-up, so that a
draw resumed after a crash issues none twice. The seed stays secret until the coupons are out.
"""
import hashlib
import secrets

from plumbing.clock import shifted, to_rfc3339
from plumbing.documents import visible
from plumbing.errors import conflict
from services.coupons import ballot

BALLOT = "ballot"
SEED_FIELD = "ballot_seed"
SEED_BYTES = 32
SIGNUP_ID_BYTES = 8
OPEN, ISSUING, DRAWN = "open", "issuing", "drawn"  # a ballot's states
CSV_HEADER = "signup_id,weight,group"


def is_ballot(campaign):
    return campaign.get("allocation") == BALLOT


def new_ballot_fields(spec):
    """The fields a new ballot campaign adds: its secret seed and the commitment to it,
    published from the start."""
    if spec.get("allocation") != BALLOT:
        return {}
    seed = secrets.token_bytes(SEED_BYTES)
    draw_at = spec.get("draw_at") or spec["claim_ends_at"]
    return {SEED_FIELD: seed.hex(), "draw_at": to_rfc3339(draw_at),
            "ballot": {"commitment": ballot.commitment(seed), "state": OPEN, "signups": None,
                       "winners": None, "signups_digest": None, "drawn_at": None}}


def quotas_of(campaign):
    return [ballot.Quota(q["group"], q["slots"]) for q in campaign.get("quotas") or []]


def group_of(campaign, consumer):
    """The first quota group listing ``consumer``, or None."""
    for quota in campaign.get("quotas") or []:
        if consumer in quota["consumers"]:
            return quota["group"]
    return None


def require_ballot(campaign):
    if not is_ballot(campaign):
        raise conflict("WRONG_STATE", "this campaign hands out coupons by claims, not sign-ups")


def signup_document_id(campaign_id, consumer):
    return f"{campaign_id}:{consumer}"


def new_signup(campaign, consumer, now):
    return {"_id": signup_document_id(campaign["_id"], consumer),
            "signup_id": secrets.token_hex(SIGNUP_ID_BYTES), "campaign_id": campaign["_id"],
            "consumer": consumer, "group": group_of(campaign, consumer), "weight": 1,
            "signed_up_at": now}


def coupon_id_of(campaign_id, signup_id):
    """The id of a winner's coupon: the same however often the draw is resumed."""
    return hashlib.sha256(f"{campaign_id}#ballot#{signup_id}".encode()).hexdigest()[:32]


def drawable(campaign, now, grace_seconds):
    """Whether the ballot's draw is due: its time has come, its window closed ``grace``
    seconds ago, the campaign was not cancelled and its coupons are not all out."""
    return (is_ballot(campaign) and campaign["status"] == "ended"
            and campaign[BALLOT]["state"] != DRAWN and now >= campaign["draw_at"]
            and now >= shifted(campaign["claim_ends_at"], grace_seconds))


def csv_line(signup):
    return f"{signup['signup_id']},{signup['weight']},{signup['group'] or ''}"


class ListDigest:
    """SHA-256 of the published list as it is read: the CSV's lines, its header first."""

    def __init__(self):
        self._hash = hashlib.sha256(f"{CSV_HEADER}\r\n".encode())
        self.count = 0

    def add(self, signup):
        self._hash.update(f"{csv_line(signup)}\r\n".encode())
        self.count += 1

    def hexdigest(self):
        return self._hash.hexdigest()


def drawn(campaign, signups, winners, digest):
    """The ballot's fields once the winners are known (their coupons still to be issued)."""
    return {BALLOT: {**campaign[BALLOT], "state": ISSUING, "signups": signups,
                     "winners": winners, "signups_digest": digest}}


def issued(campaign, now):
    return {BALLOT: {**campaign[BALLOT], "state": DRAWN, "drawn_at": now}}


def public_ballot(campaign):
    """What anyone may see of a ballot: the seed once its coupons are out."""
    state = campaign[BALLOT]
    return {"campaign_id": campaign["_id"], "name": campaign["name"],
            "coupons": campaign["total_quantity"], "claim_ends_at": campaign["claim_ends_at"],
            "draw_at": campaign["draw_at"], **state,
            "seed": campaign[SEED_FIELD] if state["state"] == DRAWN else None,
            "quotas": [{"group": q.group, "slots": q.slots} for q in quotas_of(campaign)],
            "status": campaign["status"]}


def signup_view(signup, campaign, won):
    """A consumer's sign-up with its result: pending until the coupons are out, then won
    (with the coupon's id) or lost."""
    result, coupon_id = "pending", None
    if campaign[BALLOT]["state"] == DRAWN:
        result = "won" if won else "lost"
        coupon_id = coupon_id_of(campaign["_id"], signup["signup_id"]) if won else None
    return {**visible(signup, "consumer"), "result": result, "coupon_id": coupon_id}

