"""The deadlines of a complaint's open states, free of I/O: which rule ends which state, and
when a rule started at a moment falls due.

| state | rule | default | counted from | when it passes |
|---|---|---|---|---|
| flagged | ``screening`` | 7 working days | receipt, each escalation | up a level; then forwarded |
| forwarded | ``response`` | 7 working days | acceptance (forwarding) | mediation, untimely |
| responded | ``decision`` | 7 working days | the merchant's answer | the proposal accepted |
| mediation | ``mediation`` | 45 working days | acceptance (forwarding) | ended, unresolved |

A rule counts working days on the official calendar (``working_days``), or plain seconds when
configured so (drills and tests). A deadline in a year the calendar does not cover yet is
*pending*: stored with its rule and the year it waits for, with no due time, so nothing ends
by a guessed calendar; it is computed once the calendar covers that year.
"""
from dataclasses import dataclass
from datetime import timedelta

from contracts.schemas.complaints import DEADLINE_KINDS as KINDS
from contracts.schemas.complaints import DEADLINE_UNITS
from plumbing.clock import from_rfc3339, to_rfc3339
from services.complaints import working_days

WORKING_DAYS, SECONDS = DEADLINE_UNITS
# the open state each rule ends, and the complaint's field holding that rule's due time
STATE_OF_KIND = {"screening": "flagged", "response": "forwarded", "decision": "responded",
                 "mediation": "mediation"}
KIND_OF_STATE = {state: kind for kind, state in STATE_OF_KIND.items()}
DUE_FIELD = {"screening": "screening_deadline_at", "response": "deadline_at",
             "decision": "decision_deadline_at", "mediation": "mediation_deadline_at"}


@dataclass(frozen=True)
class DeadlineRule:
    kind: str
    count: float
    unit: str       # WORKING_DAYS or SECONDS
    basis: str      # where the rule comes from, as the timeline says it

    def __post_init__(self):
        if self.kind not in KINDS or self.unit not in (WORKING_DAYS, SECONDS):
            raise ValueError(f"no deadline rule {self.kind!r} in {self.unit!r}")
        if self.count <= 0 or (self.unit == WORKING_DAYS and self.count != int(self.count)):
            raise ValueError(f"{self.kind}: a deadline counts a positive number of "
                             f"{'whole working days' if self.unit == WORKING_DAYS else 'seconds'}")

    def describe(self):
        if self.unit == WORKING_DAYS:
            return f"{int(self.count)} 个工作日（{self.basis}）"
        return f"{self.count:g} 秒（{self.basis}）"


def deadline(rule, start):
    """The deadline of ``rule`` counted from ``start`` (RFC 3339): the record a complaint keeps
    of it, its ``due_at`` None and its ``pending_year`` set while the calendar lacks a year."""
    record = {"kind": rule.kind, "rule": rule.describe(), "unit": rule.unit,
              "count": int(rule.count) if rule.unit == WORKING_DAYS else rule.count,
              "from": start, "due_at": None, "pending_year": None}
    if rule.unit == SECONDS:
        return {**record, "due_at": to_rfc3339(from_rfc3339(start)
                                               + timedelta(seconds=rule.count))}
    try:
        due = working_days.working_days_after(from_rfc3339(start), int(rule.count))
    except working_days.CalendarGap as gap:
        return {**record, "pending_year": gap.year}
    return {**record, "due_at": to_rfc3339(due)}


def fields_of(complaint, record):
    """The complaint's fields that set the deadline ``record``."""
    return {DUE_FIELD[record["kind"]]: record["due_at"],
            "deadlines": {**(complaint.get("deadlines") or {}), record["kind"]: record}}


def current(complaint):
    """The deadline record ending the complaint's present state, or None."""
    kind = KIND_OF_STATE.get(complaint["status"])
    return (complaint.get("deadlines") or {}).get(kind) if kind else None


def due_at(complaint):
    """When the complaint's present state ends by itself (None: never, or pending)."""
    kind = KIND_OF_STATE.get(complaint["status"])
    return complaint.get(DUE_FIELD[kind]) if kind else None


def pending_year(complaint):
    record = current(complaint)
    return record.get("pending_year") if record else None


