"""A complaint's life, free of I/O: filing and screening, the merchant's response, the
consumer's decision, mediation, withdrawal, satisfaction, and the deadlines.

Each step takes the stored complaint and returns a ``Change``: the fields to set (timeline
included) and its events as (type, data) pairs; it raises a ``DomainError`` when the rules
say no. Times are RFC 3339 strings; ``plus`` adds seconds to one.
"""

from contracts import closings
from contracts.phones import mask_phone
from plumbing.clock import from_rfc3339, shifted
from plumbing.documents import visible
from plumbing.errors import DomainError, conflict, forbidden
from plumbing.versioned import Change

MONETARY_PROPOSALS = frozenset({"refund", "compensation"})
OPEN_STATUSES = ("forwarded", "responded", "mediation", "flagged")


def _entry(now, event, by, note=None):
    return {"at": now, "event": event, "by": by, "note": note}


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
        "closed_at": None, "satisfaction": None, "reminded": False,
        "timeline": [_entry(now, "submitted", consumer)], "version": 1,
    }
    events = [("complaint_submitted", {**_facts(complaint), "flagged": flagged})]
    if flagged:
        complaint["timeline"].append(_entry(now, "flagged", "system",
                                            "职业索赔嫌疑，待监管人员审核"))
        return complaint, events
    forwarded = forward(complaint, now, settings, "system")
    return {**complaint, **forwarded.fields}, events + forwarded.events


def forward(complaint, now, settings, by):
    deadline = shifted(now, settings.response_sla_seconds)
    fields = {"status": "forwarded", "forwarded_at": now, "deadline_at": deadline,
              "timeline": complaint["timeline"] + [_entry(now, "forwarded", by,
                                                          f"答复期限 {deadline}")]}
    return Change(fields, [("complaint_forwarded", {**_facts(complaint), "deadline_at": deadline,
                                                  "merchant_name": complaint["merchant_name"]})])


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


def respond(complaint, actor, response, now):
    if not (actor.role == "merchant" and actor.merchant_id == complaint["merchant_id"]):
        raise forbidden(message="only the merchant complained about answers")
    _require_status(complaint, "forwarded")
    timely = now <= complaint["deadline_at"]
    fields = {"status": "responded", "responded_at": now, "timely": timely,
              "response": response,
              "timeline": complaint["timeline"] + [_entry(now, "responded", actor.sub,
                                                          response["proposal"])]}
    return Change(fields, [("complaint_responded", {
        **_facts(complaint), "proposal": response["proposal"], "timely": timely,
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
    proposal = complaint["response"]
    if proposal["proposal"] == "dispute":
        closing, recovered = closings.UNRESOLVED, 0
    elif proposal["proposal"] in MONETARY_PROPOSALS:
        closing, recovered = closings.RESOLVED_MONETARY, proposal.get("amount_fen") or 0
    else:
        closing, recovered = closings.RESOLVED_NON_MONETARY, 0
    return _close({**complaint, "timeline": timeline}, closing, now, actor.sub,
                  decision=decision, amount_recovered_fen=recovered)


def _to_mediation(complaint, now, settings, reason, **extra):
    deadline = shifted(now, settings.mediation_sla_seconds)
    fields = {**extra, "status": "mediation", "mediation_deadline_at": deadline,
              "timeline": complaint["timeline"] + [_entry(now, "escalated", "system", reason)]}
    return Change(fields, [("complaint_escalated", {
        **_facts(complaint), "reason": reason, "mediation_deadline_at": deadline})])


def _close(complaint, closing, now, by, **extra):
    """Closed with ``closing`` (a ``contracts.closings.Closing``)."""
    code = closing.code
    fields = {**extra, "status": "closed", "closing": code, "closed_at": now,
              "timeline": complaint["timeline"] + [_entry(now, "closed", by, code)]}
    recovered = extra.get("amount_recovered_fen", complaint.get("amount_recovered_fen", 0))
    return Change(fields, [("complaint_closed", {
        **_facts(complaint), "closing": code, "timely": complaint.get("timely"),
        "amount_recovered_fen": recovered})])


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


def rate(complaint, actor, satisfaction, now):
    _require_consumer(actor, complaint)
    _require_status(complaint, "closed")
    if complaint["satisfaction"] is not None:
        raise DomainError("ALREADY_RATED", "the complaint is already rated", 409)
    return Change({"satisfaction": satisfaction,
                 "timeline": complaint["timeline"] + [_entry(now, "rated", actor.sub,
                                                             str(satisfaction))]})


# --- deadlines ----------------------------------------------------------------------------------

def escalate_if_overdue(complaint, now, settings):
    """A merchant that let its deadline pass loses the case to mediation, untimely."""
    if complaint["status"] != "forwarded" or complaint["deadline_at"] >= now:
        return None
    return _to_mediation(complaint, now, settings, "deadline_missed", timely=False,
                         escalated=True)


def remind_if_due(complaint, now, settings):
    """One reminder to the merchant shortly before its deadline."""
    if complaint["status"] != "forwarded" or complaint["reminded"]:
        return None
    if not (shifted(complaint["deadline_at"], -settings.remind_before_seconds) <= now
            < complaint["deadline_at"]):
        return None
    return Change({"reminded": True}, [("complaint_deadline_approaching", {
        **_facts(complaint), "deadline_at": complaint["deadline_at"]})])


# --- screening at filing ---------------------------------------------------------------------

def looks_like_professional_claimant(recent_merchant_ids, settings):
    """Many complaints across many merchants in a short time: a regulator looks first."""
    return len(set(recent_merchant_ids)) >= settings.claimant_merchant_threshold


def view_for(complaint, actor):
    """What ``actor`` may see of the complaint; None when it may see nothing."""
    shown = visible(complaint, "reminded")
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
