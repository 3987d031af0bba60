"""Units of stock and the gaps a crash leaves between taking one and recording it (no I/O).

A claim takes a unit from a stock counter: ``remaining`` goes down and the counter's ``taken``
sequence up, in one write, so the unit is ``(counter_id, seq)``. The claim then writes the one
document that accounts for the unit, whose ``_id`` is derived from it: the coupon, or for a
lucky draw that wins nothing a ``no_prize`` record. A claim that dies in between leaves a *gap*:
a seq its counter has taken that no document accounts for. The reconciler closes a gap that has
stayed open for a grace period with a ``void`` document of that same ``_id`` (so a claim that
was only slow can no longer record the unit: its insert fails) and then returns the unit.
"""
import hashlib

DRAW, PRIZE = "unit", "prize"  # the field prefixes of the two units a document may account for
VOID, NO_PRIZE = "void", "no_prize"
ISSUED_STATUSES = ("active", "redeemed", "expired")  # the documents that are coupons


def unit_id(counter_id, seq):
    """The ``_id`` of the document accounting for a unit: the same for whoever writes it."""
    return hashlib.sha256(f"{counter_id}#{seq}".encode()).hexdigest()[:32]


def unit_fields(draw, prize=None):
    """The fields by which a document says which units it accounts for."""
    fields = {f"{DRAW}_counter": draw[0], f"{DRAW}_seq": draw[1]}
    if prize is not None:
        fields.update({f"{PRIZE}_counter": prize[0], f"{PRIZE}_seq": prize[1]})
    return fields


def placeholder(status, unit, campaign_id, prefix, now, **extra):
    """A document accounting for a unit that is not a coupon: ``no_prize`` or ``void``. Its code
    keeps the unique index of codes happy and can never be redeemed (lookups skip it)."""
    document_id = unit_id(*unit)
    return {"_id": document_id, "code": f"{status}:{document_id}", "status": status,
            "campaign_id": campaign_id, f"{prefix}_counter": unit[0], f"{prefix}_seq": unit[1],
            "at": now, **extra}


def gaps(taken, accounted_upto, accounted):
    """Seqs above the watermark ``accounted_upto`` and up to ``taken`` not in ``accounted``."""
    return [seq for seq in range(accounted_upto + 1, taken + 1) if seq not in accounted]


def watermark(taken, accounted_upto, accounted):
    """The highest seq up to which every unit is accounted for."""
    mark = accounted_upto
    while mark < taken and mark + 1 in accounted:
        mark += 1
    return mark


class GapWatch:
    """When each open gap was first seen. Gaps seen in one pass all get that pass's time, so a
    lucky draw's draw unit (taken before its prize unit, and scanned after it) is never younger
    than its prize unit: the draw is voided no later than the prize is returned."""

    def __init__(self, grace_seconds):
        self.grace_seconds = grace_seconds
        self._first_seen = {}

    def due(self, open_gaps, now):
        """The gaps of ``open_gaps`` open for at least the grace period; forgets closed ones."""
        self._first_seen = {gap: self._first_seen.get(gap, now) for gap in open_gaps}
        return [gap for gap, seen in self._first_seen.items()
                if now - seen >= self.grace_seconds]
