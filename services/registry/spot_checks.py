"""Random spot checks of certified units, free of I/O."""
import hashlib
import uuid

from plumbing.errors import conflict
from plumbing.versioned import Change
from services.registry.certification import require_regulator, status_changed, transition

CHECKED_STATUSES = ("certified", "warned")
ASSIGNING_LEVEL = "city"
RESULT_LEVEL = "station"


def new_draw(rng):
    """A place in a county's random order of units: eight hex digits."""
    return f"{rng.getrandbits(32):08x}"


def draw_county(first_from, wanted, rng):
    """Up to ``wanted`` distinct units of one county without reading it: each is the first
    unit at a random place of the county's random order or after it
    (``first_from(place, after_unit)``, around its end), and a unit already drawn gives way to
    the next one. Units drawn get new places afterwards (``new_draw``), so that a unit's luck
    in one draw does not stay with it."""
    chosen, steps = {}, 0
    while len(chosen) < wanted and steps < 4 * wanted + 8:
        unit, steps = first_from(new_draw(rng), None), steps + 1
        while unit is not None and unit["_id"] in chosen and steps < 4 * wanted + 8:
            unit, steps = first_from(None, unit), steps + 1
        if unit is None:
            break
        if unit["status"] in CHECKED_STATUSES and unit["_id"] not in chosen:
            chosen[unit["_id"]] = unit
    return sorted(chosen.values(), key=lambda unit: unit["_id"])


def new_tasks(batch_id, units, assigned_by, now):
    return [{"_id": uuid.uuid4().hex, "batch_id": batch_id, "merchant_id": unit["_id"],
             "merchant_name": unit["name"], "region": unit["region"], "status": "assigned",
             "assigned_by": assigned_by, "assigned_at": now, "result": None, "notes": None,
             "completed_by": None, "completed_at": None} for unit in units]


CASH_OUT_CHECKS = "cash-out-checks"


def proposed_task(campaign_id, merchant, now):
    """The spot check proposed when a merchant's coupon settlement is held for cash-out
    signals: one per campaign and merchant, however often the event comes."""
    [task] = new_tasks(f"cash-out:{campaign_id}", [merchant], CASH_OUT_CHECKS, now)
    task_id = hashlib.sha256(f"cash-out|{campaign_id}|{merchant['_id']}".encode()).hexdigest()
    return {**task, "_id": task_id[:32]}


def complete(task, merchant, actor, result, notes, now):
    """(the task's new fields, the merchant's Change or None)."""
    require_regulator(actor, merchant, RESULT_LEVEL)
    if task["status"] != "assigned":
        raise conflict("WRONG_STATE", "this spot check already has its result")
    task_fields = {"status": "completed", "result": result, "notes": notes,
                   "completed_by": actor.sub, "completed_at": now}
    return task_fields, _consequence(merchant, result, notes, actor.sub, now)


RESULT_LABELS = {"pass": "合格", "warn": "警示", "fail": "不合格"}
RESULT_MOVES = {"warn": "warned", "fail": "delisted"}


def _consequence(merchant, result, notes, by, now):
    """A warning moves a certified unit to the warning library; a failure removes it."""
    target = RESULT_MOVES.get(result)
    if target is None or merchant["status"] not in CHECKED_STATUSES or \
            merchant["status"] == target:
        return None
    reason = f"抽查{RESULT_LABELS[result]}: {notes}" if notes else f"抽查{RESULT_LABELS[result]}"
    fields = transition(merchant, target, by, reason, now)
    return Change(fields, [status_changed(merchant, target, reason, by)])


def completed_event(task, merchant_status):
    return ("spot_check_completed", {
        "task_id": task["_id"], "batch_id": task["batch_id"], "merchant_id": task["merchant_id"],
        "region": task["region"], "result": task["result"], "merchant_status": merchant_status})


def assigned_event(task):
    return ("spot_check_assigned", {
        "task_id": task["_id"], "batch_id": task["batch_id"], "merchant_id": task["merchant_id"],
        "region": task["region"]})
