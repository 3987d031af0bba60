"""A complaint's life, free of I/O: filing and screening, the merchant's response, the
consumer's decision, mediation, withdrawal, satisfaction, and the deadlines.

Each step takes the stored complaint and returns a ``Change``: the fields to set (timeline
included) and its events as (type, data) pairs; it raises a ``DomainError`` when the rules
say no. Times are RFC 3339 strings; ``plus`` adds seconds to one.
"""

from contracts import closings
from contracts.phones import mask_phone
from plumbing.actors import level_above
from plumbing.clock import from_rfc3339, shifted
from plumbing.documents import visible
from plumbing.errors import DomainError, conflict, forbidden
from plumbing.versioned import Change
from services.complaints import deadlines

MONETARY_PROPOSALS = frozenset({"refund", "compensation"})
OPEN_STATUSES = ("forwarded", "responded", "mediation", "flagged")


def _entry(now, event, by, note=None, deadline=None):
    entry = {"at": now, "event": event, "by": by, "note": note}
    return {**entry, "deadline": deadline} if deadline else entry


def _deadline(complaint, settings, kind, start):
    """(fields, record) of the deadline of rule ``kind`` counted from ``start``."""
    record = deadlines.deadline(settings.rule(kind), start)
    return deadlines.fields_of(complaint, record), record


def _facts(complaint):
    """What every complaint event carries, so consumers need not ask back."""
    return {"complaint_id": complaint["_id"], "merchant_id": complaint["merchant_id"],
            "consumer": complaint["consumer"], "region": complaint["region"],
            "industry": complaint["industry"], "category": complaint["category"]}


def new_complaint(complaint_id, consumer, filing, merchant, now, settings, flagged):
    """The stored complaint and its first events; ``merchant`` is the registry's standing."""
    complaint = {
        "_id": complaint_id, "consumer": consumer, "merchant_id": merchant["merchant_id"],
        "merchant_name": merchant["name"], "region": merchant["region"],
        "industry": merchant["industry"], "store_code": filing.get("store_code"),
        "category": filing["category"], "title": filing["title"],
        "description": filing["description"], "amount_fen": filing["amount_fen"],
        "occurred_on": filing["occurred_on"].isoformat(),
        "evidence_urls": filing["evidence_urls"], "contact_phone": filing["contact_phone"],
        "public_consent": filing["public_consent"], "status": "flagged", "closing": None,
        "timely": None, "escalated": False, "filed_at": now, "forwarded_at": None,
        "deadline_at": None, "responded_at": None, "response": None, "decision": None,
        "mediation_deadline_at": None, "mediation": None, "amount_recovered_fen": 0,
        "screening_deadline_at": None, "screening_region": merchant["region"],
        "decision_deadline_at": None, "deadlines": {}, "public_reply": None,
        "closed_at": None, "satisfaction": None, "reminded": False,
        "timeline": [_entry(now, "submitted", consumer)], "version": 1,
    }
    events = [("complaint_submitted", {**_facts(complaint), "flagged": flagged})]
    if flagged:
        fields, record = _deadline(complaint, settings, "screening", now)
        complaint.update(fields)
        complaint["timeline"].append(_entry(
            now, "flagged", "system", "职业索赔嫌疑，待监管人员审核",
            record))
        return complaint, events
    forwarded = forward(complaint, now, settings, "system")
    return {**complaint, **forwarded.fields}, events + forwarded.events


def forward(complaint, now, settings, by, screening_lapsed=False):
    fields, record = _deadline(complaint, settings, "response", now)
    fields.update({"status": "forwarded", "forwarded_at": now, "timeline": complaint["timeline"]
                   + [_entry(now, "forwarded", by, deadline=record)]})
    return Change(fields, [("complaint_forwarded", {
        **_facts(complaint), "deadline_at": record["due_at"], "deadline": record,
        "merchant_name": complaint["merchant_name"], "screening_lapsed": screening_lapsed})])


def _require_status(complaint, *statuses):
    if complaint["status"] not in statuses:
        raise conflict("WRONG_STATE", f"the complaint is {complaint['status']}",
                       {"status": complaint["status"]})


def _require_consumer(actor, complaint):
    if not (actor.role == "consumer" and actor.sub == complaint["consumer"]):
        raise forbidden(message="only the consumer who filed it may do this")


def _require_regulator(actor, complaint):
    if actor.role != "regulator":
        raise forbidden(message="regulators only")
    if not actor.has_jurisdiction_over(complaint["region"]):
        raise forbidden("OUT_OF_JURISDICTION", "the complaint is outside your region")


def respond(complaint, actor, response, now, settings):
    if not (actor.role == "merchant" and actor.merchant_id == complaint["merchant_id"]):
        raise forbidden(message="only the merchant complained about answers")
    _require_status(complaint, "forwarded")
    timely = complaint["deadline_at"] is None or now <= complaint["deadline_at"]
    fields, record = _deadline(complaint, settings, "decision", now)
    fields.update({"status": "responded", "responded_at": now, "timely": timely,
                   "response": response, "timeline": complaint["timeline"] + [_entry(
                       now, "responded", actor.sub, response["proposal"], record)]})
    return Change(fields, [("complaint_responded", {
        **_facts(complaint), "proposal": response["proposal"], "timely": timely,
        "decision_deadline_at": record["due_at"],
        "response_seconds": (from_rfc3339(now)
                             - from_rfc3339(complaint["forwarded_at"])).total_seconds()})])


def decide(complaint, actor, accept, comment, now, settings):
    """The consumer accepts the merchant's answer (closed) or rejects it (mediation)."""
    _require_consumer(actor, complaint)
    _require_status(complaint, "responded")
    timeline = complaint["timeline"] + [_entry(now, "accepted" if accept else "rejected_proposal",
                                               actor.sub, comment or None)]
    decision = {"accept": accept, "comment": comment, "at": now}
    if not accept:
        return _to_mediation({**complaint, "timeline": timeline}, now, settings,
                             "consumer_rejected", decision=decision)
    closing, recovered = _accepting(complaint["response"], closings.RESOLVED_MONETARY,
                                    closings.RESOLVED_NON_MONETARY)
    return _close({**complaint, "timeline": timeline}, closing, now, actor.sub,
                  decision=decision, amount_recovered_fen=recovered)


def _accepting(proposal, monetary, non_monetary):
    """(closing, fen recovered) of the merchant's ``proposal`` accepted: a dispute accepted
    leaves the complaint unresolved."""
    if proposal["proposal"] == "dispute":
        return closings.UNRESOLVED, 0
    if proposal["proposal"] in MONETARY_PROPOSALS:
        return monetary, proposal.get("amount_fen") or 0
    return non_monetary, 0


def _to_mediation(complaint, now, settings, reason, **extra):
    """In mediation until the mediation rule's deadline, counted from the acceptance."""
    fields, record = _deadline(complaint, settings, "mediation", complaint["forwarded_at"])
    fields.update({**extra, "status": "mediation", "timeline": complaint["timeline"] + [
        _entry(now, "escalated", "system", reason, record)]})
    return Change(fields, [("complaint_escalated", {
        **_facts(complaint), "reason": reason, "mediation_deadline_at": record["due_at"],
        "deadline": record})])


def _close(complaint, closing, now, by, by_deadline=False, **extra):
    """Closed with ``closing`` (a ``contracts.closings.Closing``)."""
    code = closing.code
    fields = {**extra, "status": "closed", "closing": code, "closed_at": now,
              "timeline": complaint["timeline"] + [_entry(now, "closed", by, code)]}
    recovered = extra.get("amount_recovered_fen", complaint.get("amount_recovered_fen", 0))
    return Change(fields, [("complaint_closed", {
        **_facts(complaint), "closing": code, "timely": complaint.get("timely"),
        "amount_recovered_fen": recovered, "by_deadline": by_deadline})])


def mediate(complaint, actor, mediation, now):
    _require_regulator(actor, complaint)
    _require_status(complaint, "mediation")
    if mediation["outcome"] == "failed":
        closing = closings.UNRESOLVED
    else:
        closing = closings.with_relief(mediation["relief"])
    record = {**mediation, "by": actor.sub, "at": now}
    return _close(complaint, closing, now, actor.sub, mediation=record,
                  amount_recovered_fen=mediation["amount_recovered_fen"])


def withdraw(complaint, actor, now):
    _require_consumer(actor, complaint)
    _require_status(complaint, *OPEN_STATUSES)
    return _close(complaint, closings.WITHDRAWN, now, actor.sub)


def screen(complaint, actor, decision, notes, now, settings):
    """A regulator releases a flagged complaint to the merchant, or rejects it."""
    _require_regulator(actor, complaint)
    _require_status(complaint, "flagged")
    timeline = complaint["timeline"] + [_entry(now, f"screened_{decision}", actor.sub,
                                               notes or None)]
    if decision == "reject":
        return _close({**complaint, "timeline": timeline}, closings.REJECTED, now, actor.sub)
    return forward({**complaint, "timeline": timeline}, now, settings, actor.sub)


def set_consent(complaint, actor, consent, now):
    """The consumer gives or withdraws consent to publish the summary, at any time."""
    _require_consumer(actor, complaint)
    if complaint["public_consent"] is consent:
        return None
    event = "consent_given" if consent else "consent_withdrawn"
    return Change({"public_consent": consent,
                   "timeline": complaint["timeline"] + [_entry(now, event, actor.sub)]},
                  [("complaint_consent_changed", {**_facts(complaint), "public_consent": consent})])


def is_published(complaint):
    """Its summary is public: consented, and past a regulator's screening."""
    return complaint.get("public_consent") is True and complaint["status"] != "flagged"


def reply_publicly(complaint, actor, text, now):
    """The merchant's one public reply beside a published summary."""
    if not (actor.role == "merchant" and actor.merchant_id == complaint["merchant_id"]):
        raise forbidden(message="only the merchant complained about replies")
    if not is_published(complaint):
        raise conflict("WRONG_STATE", "the complaint is not published: nothing to reply to",
                       {"published": False})
    if complaint.get("public_reply"):
        raise conflict("ALREADY_REPLIED", "the merchant has already replied publicly")
    return Change({"public_reply": {"text": text, "at": now},
                   "timeline": complaint["timeline"] + [_entry(now, "replied_publicly",
                                                               actor.sub)]},
                  [("complaint_public_reply_posted", _facts(complaint))])


def rate(complaint, actor, satisfaction, now):
    _require_consumer(actor, complaint)
    _require_status(complaint, "closed")
    if complaint["satisfaction"] is not None:
        raise DomainError("ALREADY_RATED", "the complaint is already rated", 409)
    return Change({"satisfaction": satisfaction,
                 "timeline": complaint["timeline"] + [_entry(now, "rated", actor.sub,
                                                             str(satisfaction))]})


# --- deadlines: every open state ends by itself (services/complaints/deadlines.py) -----------

def end_if_overdue(complaint, now, settings):
    """The end of the complaint's present state once its deadline has passed; else None."""
    due = deadlines.due_at(complaint)
    if due is None or due >= now:
        return None
    record = deadlines.current(complaint)
    passed = {**complaint, "timeline": complaint["timeline"] + [
        _entry(now, "deadline_passed", "system", deadline=record)]}
    return _ENDINGS[complaint["status"]](passed, now, settings)


def _screening_missed(complaint, now, settings):
    """Up to the next level with a new screening deadline; past the top, accepted."""
    above = level_above(complaint.get("screening_region") or complaint["region"])
    if above is None:
        return forward(complaint, now, settings, "system", screening_lapsed=True)
    fields, record = _deadline(complaint, settings, "screening", now)
    fields.update({"screening_region": above, "timeline": complaint["timeline"] + [_entry(
        now, "screening_escalated", "system", f"移交上级 {above}",
        record)]})
    return Change(fields, [("complaint_screening_escalated", {
        **_facts(complaint), "to_region": above, "deadline_at": record["due_at"],
        "deadline": record})])


def _response_missed(complaint, now, settings):
    """A merchant that let its deadline pass loses the case to mediation, untimely."""
    return _to_mediation(complaint, now, settings, "deadline_missed", timely=False,
                         escalated=True)


def _decision_missed(complaint, now, settings):
    """The consumer's silence accepts the merchant's proposal."""
    closing, recovered = _accepting(complaint["response"], closings.ACCEPTED_BY_DEFAULT,
                                    closings.ACCEPTED_BY_DEFAULT)
    return _close(complaint, closing, now, "system", by_deadline=True,
                  amount_recovered_fen=recovered)


def _mediation_missed(complaint, now, settings):
    return _close(complaint, closings.MEDIATION_ENDED, now, "system", by_deadline=True)


_ENDINGS = {"flagged": _screening_missed, "forwarded": _response_missed,
            "responded": _decision_missed, "mediation": _mediation_missed}


def schedule_pending(complaint, now, settings):
    """The present state's pending deadline computed, once the calendar covers its year."""
    record = deadlines.current(complaint)
    if not record or record["pending_year"] is None:
        return None
    computed = deadlines.deadline(settings.rule(record["kind"]), record["from"])
    if computed["due_at"] is None:
        return None
    fields = deadlines.fields_of(complaint, computed)
    fields["timeline"] = complaint["timeline"] + [_entry(
        now, "deadline_computed", "system", deadline=computed)]
    return Change(fields)


# the states whose deadline the party that must act is reminded of once, shortly before it:
# status → (the deadline's field, the field set once reminded)
REMINDED = {"forwarded": ("deadline_at", "reminded"),
            "responded": ("decision_deadline_at", "decision_reminded")}


def reminder_due_at(complaint):
    """The deadline the complaint's present state has yet to be reminded of, or None."""
    fields = REMINDED.get(complaint["status"])
    if fields is None or complaint.get(fields[1]):
        return None
    return complaint.get(fields[0])


def remind_if_due(complaint, now, settings):
    """One reminder shortly before a deadline: the merchant's to answer, the consumer's to
    decide (unanswered, the proposal counts as accepted)."""
    due = reminder_due_at(complaint)
    if not due or not (shifted(due, -settings.remind_before_seconds) <= now < due):
        return None
    _, reminded = REMINDED[complaint["status"]]
    if complaint["status"] == "forwarded":
        event = ("complaint_deadline_approaching", {**_facts(complaint), "deadline_at": due})
    else:
        event = ("complaint_decision_due", {**_facts(complaint), "decision_deadline_at": due,
                                            "proposal": complaint["response"]["proposal"]})
    return Change({reminded: True}, [event])


# --- screening at filing ---------------------------------------------------------------------

def looks_like_professional_claimant(recent_merchant_ids, settings):
    """Many complaints across many merchants in a short time: a regulator looks first."""
    return len(set(recent_merchant_ids)) >= settings.claimant_merchant_threshold


def view_for(complaint, actor):
    """What ``actor`` may see of the complaint; None when it may see nothing."""
    shown = visible(complaint, "reminded", "decision_reminded")
    shown = {"complaint_id": complaint["_id"], **shown}
    if actor.role == "consumer" and actor.sub == complaint["consumer"]:
        return shown
    if actor.role == "merchant" and actor.merchant_id == complaint["merchant_id"]:
        timeline = [{**entry, "by": "consumer"} if entry["by"] == complaint["consumer"]
                    else entry for entry in complaint["timeline"]]
        return {**shown, "consumer": None, "timeline": timeline,
                "contact_phone": mask_phone(complaint["contact_phone"])}
    if actor.role == "regulator" and actor.has_jurisdiction_over(complaint["region"]):
        return shown
    return None
