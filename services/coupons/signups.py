"""Ballot campaigns (摇号), free of I/O: the campaign's ballot and its draws, a consumer's
sign-up and its result, the published lists of sign-ups and the coupons of the winners. The
draw itself is ``ballot.py``'s.

A ballot campaign takes sign-ups in its claim window, one per consumer, and draws once per
tranche: at the tranche's ``starts_at`` (by default one tranche of every coupon at
``draw_at``), and no sooner than ``grace`` seconds after it, so that no sign-up checked before
then is still being written. Draw ``k`` takes every sign-up made before its time that no
earlier draw chose, each with one ticket plus one per earlier draw it lost, for the coupons of
the tranches so far less those earlier draws gave out; each group's quota, less what earlier
draws gave the group, is drawn first. Each winner's coupon is issued under an id derived from
its sign-up, so that a draw resumed after a crash issues none twice. Each draw has a seed of
its own, committed to at the campaign's creation and published once its coupons are out.
"""
import hashlib
import secrets

from plumbing.clock import shifted, to_rfc3339
from plumbing.documents import visible
from plumbing.errors import conflict
from services.coupons import ballot

BALLOT = "ballot"
SEED_FIELD = "ballot_seeds"  # one per draw, secret until the draw's coupons are out
SEED_BYTES = 32
SIGNUP_ID_BYTES = 8
OPEN, ISSUING, DRAWN = "open", "issuing", "drawn"  # a draw's states, and a ballot's
CSV_HEADER = "signup_id,weight,group"


def is_ballot(campaign):
    return campaign.get("allocation") == BALLOT


def draw_times(spec):
    """(starts_at, coupons) of each of a ballot's draws: its tranches', or one of every coupon
    at ``draw_at`` (by default the end of the sign-up window)."""
    if spec.get("tranches"):
        return [(to_rfc3339(t["starts_at"]), t["quantity"]) for t in spec["tranches"]]
    return [(to_rfc3339(spec.get("draw_at") or spec["claim_ends_at"]), spec["total_quantity"])]


def new_ballot_fields(spec):
    """The fields a new ballot campaign adds: a secret seed per draw and the commitments to
    them, published from the start."""
    if spec.get("allocation") != BALLOT:
        return {}
    times = draw_times(spec)
    seeds = [secrets.token_bytes(SEED_BYTES) for _ in times]
    return {SEED_FIELD: [seed.hex() for seed in seeds], "draw_at": times[-1][0],
            BALLOT: {"draws": [
                {"starts_at": starts_at, "tranche": quantity,
                 "commitment": ballot.commitment(seed), "state": OPEN, "coupons": None,
                 "slots": None, "signups": None, "winners": None, "won_by_group": None,
                 "signups_digest": None, "drawn_at": None}
                for (starts_at, quantity), seed in zip(times, seeds)]}}


def draws(campaign):
    return campaign[BALLOT]["draws"]


def state_of(campaign):
    """The ballot's state: drawn once every draw is, issuing while one is, else open."""
    states = [d["state"] for d in draws(campaign)]
    if all(state == DRAWN for state in states):
        return DRAWN
    return ISSUING if ISSUING in states else OPEN


def next_draw(campaign):
    """The index of the first draw not yet drawn, or None."""
    return next((k for k, d in enumerate(draws(campaign)) if d["state"] != DRAWN), None)


def next_draw_at(campaign):
    k = next_draw(campaign)
    return None if k is None else draws(campaign)[k]["starts_at"]


def quotas_of(campaign):
    return [ballot.Quota(q["group"], q["slots"]) for q in campaign.get("quotas") or []]


def group_of(campaign, consumer, tags=()):
    """The first quota group listing ``consumer`` or one of its ``tags``, or None."""
    for quota in campaign.get("quotas") or []:
        if consumer in quota.get("consumers", ()) or quota.get("tag") in tags:
            return quota["group"]
    return None


def require_ballot(campaign):
    if not is_ballot(campaign):
        raise conflict("WRONG_STATE", "this campaign hands out coupons by claims, not sign-ups")


def signup_document_id(campaign_id, consumer):
    return f"{campaign_id}:{consumer}"


def new_signup(campaign, consumer, now, tags=()):
    return {"_id": signup_document_id(campaign["_id"], consumer),
            "signup_id": secrets.token_hex(SIGNUP_ID_BYTES), "campaign_id": campaign["_id"],
            "consumer": consumer, "group": group_of(campaign, consumer, tags),
            "signed_up_at": now, "won_in": None}


def coupon_id_of(campaign_id, signup_id):
    """The id of a winner's coupon: the same however often the draw is resumed (a sign-up
    wins at most one draw)."""
    return hashlib.sha256(f"{campaign_id}#ballot#{signup_id}".encode()).hexdigest()[:32]


def drawable(campaign, now, grace_seconds):
    """Whether a draw of the ballot is due: its time came ``grace`` seconds ago, the campaign
    was activated and not cancelled, and the draw is not drawn yet."""
    starts_at = next_draw_at(campaign)
    return (is_ballot(campaign) and campaign["status"] in ("active", "paused", "ended")
            and starts_at is not None and now >= shifted(starts_at, grace_seconds))


# --- one draw: who takes part, with how many tickets, for what -------------------------------

def takes_part(signup, campaign, k):
    """Whether ``signup`` is in draw ``k``: made before its time and chosen by no earlier
    draw."""
    won_in = signup.get("won_in")
    return (signup["signed_up_at"] < draws(campaign)[k]["starts_at"]
            and (won_in is None or won_in >= k))


def weight_in(signup, campaign, k):
    """Its tickets in draw ``k``: one, plus one for each earlier draw it took part in (and
    lost, or it would not be in this one)."""
    return 1 + sum(1 for d in draws(campaign)[:k] if signup["signed_up_at"] < d["starts_at"])


def draw_entry(signup, campaign, k):
    """``(signup_id, weight, group)`` as draw ``k`` reads it and its list publishes it."""
    return signup["signup_id"], weight_in(signup, campaign, k), signup["group"]


def stakes(campaign, k):
    """(coupons, {group: slots}) of draw ``k``: the coupons of the tranches so far less those
    earlier draws gave out, and each group's quota less what earlier draws gave it, the groups
    taken in order while coupons are left for their slots."""
    earlier = draws(campaign)[:k]
    coupons = sum(d["tranche"] for d in draws(campaign)[:k + 1]) - sum(
        d["winners"] for d in earlier)
    slots, left = {}, coupons
    for quota in quotas_of(campaign):
        owed = quota.slots - sum(d["won_by_group"].get(quota.group, 0) for d in earlier)
        slots[quota.group] = max(min(owed, left), 0)
        left -= slots[quota.group]
    return coupons, slots


def drawing(campaign, k, coupons, slots, signups, winners, won_by_group, digest):
    """The ballot's fields once draw ``k``'s winners are known (their coupons still to be
    issued)."""
    return _with_draw(campaign, k, state=ISSUING, coupons=coupons, slots=slots,
                      signups=signups, winners=winners, won_by_group=won_by_group,
                      signups_digest=digest)


def issued(campaign, k, now):
    return _with_draw(campaign, k, state=DRAWN, drawn_at=now)


def _with_draw(campaign, k, **fields):
    changed = [{**d, **fields} if n == k else d for n, d in enumerate(draws(campaign))]
    return {BALLOT: {**campaign[BALLOT], "draws": changed}}


def csv_line(entry):
    signup_id, weight, group = entry
    return f"{signup_id},{weight},{group or ''}"


class ListDigest:
    """SHA-256 of a draw's published list as it is read: the CSV's lines, its header first."""

    def __init__(self):
        self._hash = hashlib.sha256(f"{CSV_HEADER}\r\n".encode())
        self.count = 0

    def add(self, entry):
        self._hash.update(f"{csv_line(entry)}\r\n".encode())
        self.count += 1

    def hexdigest(self):
        return self._hash.hexdigest()


# --- what anyone may see ----------------------------------------------------------------------

def public_ballot(campaign):
    """What anyone may see of a ballot: each draw's commitment, and its seed once its coupons
    are out."""
    seeds = campaign[SEED_FIELD]
    return {"campaign_id": campaign["_id"], "name": campaign["name"],
            "status": campaign["status"], "state": state_of(campaign),
            "coupons": campaign["total_quantity"], "claim_ends_at": campaign["claim_ends_at"],
            "draw_at": campaign["draw_at"],
            "quotas": [{"group": q.group, "slots": q.slots} for q in quotas_of(campaign)],
            "draws": [{**{k: v for k, v in d.items() if k != "won_by_group"}, "draw": n,
                       "seed": seeds[n] if d["state"] == DRAWN else None}
                      for n, d in enumerate(draws(campaign))]}


def signup_view(signup, campaign, won):
    """A consumer's sign-up with its result: won (with the coupon's id) once its coupon is
    out, lost once no draw it could be in is left, else pending; ``weight``, its tickets in
    the draw it is in next (or was last in)."""
    k = next_draw(campaign)
    if won:
        result = "won"
    elif k is None:
        result = "lost"
    else:
        result = "pending"
    last = len(draws(campaign)) - 1
    return {**visible(signup, "consumer", "won_in"), "result": result,
            "weight": weight_in(signup, campaign, last if k is None else k),
            "coupon_id": coupon_id_of(campaign["_id"], signup["signup_id"]) if won else None}
