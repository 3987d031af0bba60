"""The certification rules (services/registry/certification.py), without I/O."""
from datetime import UTC, date, datetime

import pytest

from plumbing.actors import Actor
from plumbing.clock import to_rfc3339
from plumbing.errors import DomainError
from services.registry import certification as cert
from services.registry.domain import new_merchant

NOW = to_rfc3339(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
LATER = to_rfc3339(datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
REGION = "350102"  # the conftest application's county (Fuzhou, Gulou)


def regulator(level="city", region="350100", sub="reg-1"):
    return Actor(sub=sub, role="regulator", region=region, level=level)


@pytest.fixture
def merchant(application):
    """A freshly applied merchant (pending_onsite), then moved to whatever status a test needs."""
    return new_merchant("m-1", application, [], "alice", NOW)


def at(merchant, status, **fields):
    return {**merchant, "status": status, **fields}


def raises(code, status, call, *args):
    with pytest.raises(DomainError) as caught:
        call(*args)
    assert (caught.value.code, caught.value.status) == (code, status)
    return caught.value


def event_types(change):
    return [kind for kind, _ in change.events]


# --- reviews ------------------------------------------------------------------------------------

@pytest.mark.parametrize("stage, from_status, to_status", [
    ("onsite", "pending_onsite", "pending_county"),
    ("county", "pending_county", "pending_final"),
])
def test_review_pass_moves_to_next_stage(merchant, stage, from_status, to_status):
    change = cert.review(at(merchant, from_status), regulator(), stage, "pass", "ok", NOW)
    assert change.fields["status"] == to_status
    assert change.fields["pool"] == "selection"
    assert event_types(change) == ["merchant_review_recorded"]
    assert change.events[0][1] == {"merchant_id": "m-1", "stage": stage, "decision": "pass",
                                   "notes": "ok", "by": "reg-1", "region": REGION}


@pytest.mark.parametrize("stage, status", [
    (stage, status) for stage in sorted(cert.STAGES)
    for status in ("pending_onsite", "pending_county", "pending_final", "certified", "rejected")
    if status != cert.STAGES[stage][0]])
def test_review_of_the_wrong_stage_is_409_wrong_stage(merchant, stage, status):
    error = raises("WRONG_STAGE", 409, cert.review, at(merchant, status), regulator("province"),
                   stage, "pass", "", NOW)
    assert error.details == {"status": status}


@pytest.mark.parametrize("stage, too_low", [
    ("county", "station"),
    ("final", "station"),
    ("final", "county"),
])
def test_review_below_the_stage_level_is_403_insufficient_level(merchant, stage, too_low):
    status = cert.STAGES[stage][0]
    error = raises("INSUFFICIENT_LEVEL", 403, cert.review, at(merchant, status),
                   regulator(too_low), stage, "pass", "", NOW)
    assert error.details == {"required_level": cert.STAGES[stage][2]}


@pytest.mark.parametrize("stage, enough", [
    ("onsite", "station"), ("onsite", "province"), ("county", "county"), ("final", "city"),
    ("final", "province"),
])
def test_review_at_or_above_the_stage_level_is_allowed(merchant, stage, enough):
    status = cert.STAGES[stage][0]
    change = cert.review(at(merchant, status), regulator(enough), stage, "pass", "", NOW)
    assert change.fields["status"] == cert.STAGES[stage][1]


@pytest.mark.parametrize("jurisdiction", ["350200", "330100", "350103"])
def test_review_outside_jurisdiction_is_403(merchant, jurisdiction):
    raises("OUT_OF_JURISDICTION", 403, cert.review, merchant, regulator(region=jurisdiction),
           "onsite", "pass", "", NOW)


@pytest.mark.parametrize("actor", [
    Actor(sub="alice", role="merchant", merchant_id="m-1"),
    Actor(sub="bob", role="consumer"),
    Actor(sub="ops", role="operator", region="350100", level="province"),
])
def test_review_by_a_non_regulator_is_403_forbidden(merchant, actor):
    raises("FORBIDDEN", 403, cert.review, merchant, actor, "onsite", "pass", "", NOW)


def test_final_pass_certifies_draws_a_store_code_and_emits_merchant_certified(merchant):
    change = cert.review(at(merchant, "pending_final"), regulator(), "final", "pass", "好", NOW)
    fields = change.fields
    assert fields["status"] == "certified"
    assert fields["pool"] == "cultivation"
    assert fields["certified_at"] == NOW
    assert fields["rejection_reasons"] == []
    assert isinstance(fields["store_code"], str) and len(fields["store_code"]) == 16
    assert event_types(change) == ["merchant_review_recorded", "merchant_certified"]
    assert change.events[1][1] == {"merchant_id": "m-1", "store_code": fields["store_code"],
                                   "region": REGION, "industry": "catering",
                                   "name": merchant["name"]}


def test_each_final_pass_draws_a_different_store_code(merchant):
    codes = {cert.review(at(merchant, "pending_final"), regulator(), "final", "pass", "",
                         NOW).fields["store_code"] for _ in range(20)}
    assert len(codes) == 20


@pytest.mark.parametrize("stage", sorted(cert.STAGES))
def test_review_fail_rejects_with_reasons(merchant, stage):
    status = cert.STAGES[stage][0]
    change = cert.review(at(merchant, status), regulator(), stage, "fail", "无价签", NOW)
    reasons = [{"code": "REVIEW_FAILED", "message": "无价签", "stage": stage}]
    assert change.fields["status"] == "rejected"
    assert change.fields["pool"] is None
    assert change.fields["rejection_reasons"] == reasons
    assert "store_code" not in change.fields
    assert event_types(change) == ["merchant_review_recorded", "merchant_rejected"]
    assert change.events[1][1] == {"merchant_id": "m-1", "stage": stage, "reasons": reasons}


def test_review_fail_without_notes_has_an_empty_message(merchant):
    change = cert.review(merchant, regulator(), "onsite", "fail", None, NOW)
    assert change.fields["rejection_reasons"][0]["message"] == ""


def test_review_appends_a_history_entry(merchant):
    change = cert.review(merchant, regulator(), "onsite", "pass", "现场合格", LATER)
    assert change.fields["history"][:-1] == merchant["history"]
    assert change.fields["history"][-1] == {"at": LATER, "from": "pending_onsite",
                                            "to": "pending_county", "by": "reg-1",
                                            "reason": "现场合格"}
    assert change.fields["updated_at"] == LATER


def test_review_does_not_modify_the_merchant_it_reads(merchant):
    before = len(merchant["history"])
    cert.review(merchant, regulator(), "onsite", "pass", "", NOW)
    assert len(merchant["history"]) == before and merchant["status"] == "pending_onsite"


# --- regulator actions --------------------------------------------------------------------------

ALL_STATUSES = ["pending_onsite", "pending_county", "pending_final", "rejected", "certified",
                "warned", "suspended", "delisted"]
ACTION_CASES = [
    # action, statuses it applies to, status after it (None: stays)
    ("warn", {"certified"}, "warned"),
    ("clear_warning", {"warned"}, "certified"),
    ("suspend", {"certified", "warned"}, "suspended"),
    ("restore", {"suspended"}, "certified"),
    ("revoke", {"certified", "warned", "suspended"}, "delisted"),
    ("red_list", {"certified", "warned"}, None),
    ("black_list", {"certified", "warned", "suspended", "delisted"}, "delisted"),
]


@pytest.mark.parametrize("action, allowed, to", ACTION_CASES)
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_action_applies_only_to_its_statuses(merchant, action, allowed, to, status):
    subject = at(merchant, status)
    if status not in allowed:
        error = raises("WRONG_STATE", 409, cert.act, subject, regulator(), action, "r", NOW)
        assert error.details == {"status": status}
        return
    change = cert.act(subject, regulator(), action, "r", NOW)
    assert change.fields["status"] == (to or status)
    assert change.fields["history"][-1]["from"] == status
    assert change.fields["history"][-1]["to"] == (to or status)


@pytest.mark.parametrize("action, allowed, to", [c for c in ACTION_CASES if c[0] != "red_list"])
def test_status_action_emits_merchant_status_changed(merchant, action, allowed, to):
    status = sorted(allowed)[0]
    change = cert.act(at(merchant, status), regulator(), action, "原因", NOW)
    assert change.events == [("merchant_status_changed", {
        "merchant_id": "m-1", "from": status, "to": to, "reason": "原因", "by": "reg-1",
        "region": REGION, "industry": "catering", "name": merchant["name"]})]


@pytest.mark.parametrize("action, lowest", [(a, lvl) for a, (_, _, lvl) in cert.ACTIONS.items()])
def test_action_needs_its_level(merchant, action, lowest):
    status = sorted(cert.ACTIONS[action][0])[0]
    below = [lvl for lvl, rank in cert.LEVEL_RANK.items() if rank < cert.LEVEL_RANK[lowest]]
    for level in below:
        raises("INSUFFICIENT_LEVEL", 403, cert.act, at(merchant, status), regulator(level),
               action, "", NOW)
    assert cert.act(at(merchant, status), regulator(lowest), action, "", NOW) is not None


def test_action_outside_jurisdiction_is_403(merchant):
    raises("OUT_OF_JURISDICTION", 403, cert.act, at(merchant, "certified"),
           regulator("province", "330000"), "warn", "", NOW)


def test_red_list_sets_the_flag_and_keeps_the_status(merchant):
    change = cert.act(at(merchant, "warned"), regulator(), "red_list", "诚信经营", NOW)
    assert change.fields["red_listed"] is True
    assert change.fields["status"] == "warned"
    assert change.fields["pool"] == "warning"
    assert change.events == [("merchant_updated", {
        "merchant_id": "m-1", "changes": {"red_listed": True}, "reason": "诚信经营"})]


def test_black_list_delists_and_clears_the_red_list_flag(merchant):
    change = cert.act(at(merchant, "certified", red_listed=True), regulator(), "black_list",
                      "欺诈", NOW)
    assert change.fields["status"] == "delisted"
    assert change.fields["pool"] is None
    assert change.fields["black_listed"] is True
    assert change.fields["red_listed"] is False


@pytest.mark.parametrize("action", ["warn", "suspend", "revoke", "restore", "clear_warning"])
def test_other_actions_do_not_touch_the_list_flags(merchant, action):
    status = sorted(cert.ACTIONS[action][0])[0]
    change = cert.act(at(merchant, status), regulator(), action, "", NOW)
    assert "red_listed" not in change.fields and "black_listed" not in change.fields


def test_abnormal_cleared_does_not_lift_a_later_regulator_suspension(merchant):
    unit = at(merchant, "certified")
    unit = {**unit, **cert.licence_feed(unit, "abnormal_listed", None, "feed", NOW).fields}
    unit = {**unit, **cert.act(unit, regulator(), "restore", "复核后恢复", NOW).fields}
    unit = {**unit, **cert.act(unit, regulator(), "suspend", "现场检查不合格", NOW).fields}
    assert unit["status"] == "suspended"
    assert cert.licence_feed(unit, "abnormal_cleared", None, "feed", LATER) is None


# --- stars --------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, stars, pool", [
    ("certified", 3, "star"), ("certified", 0, "cultivation"), ("warned", 2, "warning"),
])
def test_set_stars_on_a_public_unit(merchant, status, stars, pool):
    change = cert.set_stars(at(merchant, status), regulator(), stars, NOW)
    assert change.fields["stars"] == stars
    assert change.fields["status"] == status
    assert change.fields["pool"] == pool
    assert change.fields["history"][-1]["reason"] == f"stars: {stars}"
    assert change.events == [("merchant_updated", {"merchant_id": "m-1",
                                                   "changes": {"stars": stars}, "by": "reg-1"})]


@pytest.mark.parametrize("status", ["pending_final", "suspended", "delisted", "rejected"])
def test_set_stars_on_a_non_public_unit_is_409(merchant, status):
    raises("WRONG_STATE", 409, cert.set_stars, at(merchant, status), regulator(), 3, NOW)


def test_set_stars_needs_city_level(merchant):
    raises("INSUFFICIENT_LEVEL", 403, cert.set_stars, at(merchant, "certified"),
           regulator("county"), 3, NOW)


# --- the licence registry's feed ---------------------------------------------------------------

FEED_CASES = [
    # event, status before, status after (None: the feed changes nothing)
    *[(event, status, "delisted") for event in ("revoked", "deregistered")
      for status in ALL_STATUSES if status != "delisted"],
    ("revoked", "delisted", None),
    ("deregistered", "delisted", None),
    ("abnormal_listed", "certified", "suspended"),
    ("abnormal_listed", "warned", "suspended"),
    ("abnormal_listed", "pending_onsite", None),
    ("abnormal_listed", "suspended", None),
    ("abnormal_listed", "delisted", None),
    ("abnormal_cleared", "certified", None),
    ("abnormal_cleared", "warned", None),
]


@pytest.mark.parametrize("event, before, after", FEED_CASES)
def test_licence_feed_moves(merchant, event, before, after):
    change = cert.licence_feed(at(merchant, before), event, None, "feed", NOW)
    if after is None:
        assert change is None
        return
    assert change.fields["status"] == after
    reason = f"licence registry: {event}"
    assert change.fields["history"][-1] == {"at": NOW, "from": before, "to": after,
                                            "by": "feed", "reason": reason}
    assert change.events[0][0] == "merchant_status_changed"
    assert change.events[0][1]["reason"] == reason


def test_abnormal_listed_records_who_suspended(merchant):
    change = cert.licence_feed(at(merchant, "certified"), "abnormal_listed", None, "feed", NOW)
    assert change.fields["suspended_by"] == "abnormal_listed"


def test_abnormal_cleared_lifts_its_own_suspension(merchant):
    unit = at(merchant, "suspended", suspended_by="abnormal_listed")
    change = cert.licence_feed(unit, "abnormal_cleared", None, "feed", NOW)
    assert change.fields["status"] == "certified"
    assert change.fields["suspended_by"] is None


@pytest.mark.parametrize("suspended_by", [None, "regulator"])
def test_abnormal_cleared_leaves_a_regulators_suspension(merchant, suspended_by):
    unit = at(merchant, "suspended", suspended_by=suspended_by)
    assert cert.licence_feed(unit, "abnormal_cleared", None, "feed", NOW) is None


def test_abnormal_cleared_after_a_regulator_suspension_via_act_is_ignored(merchant):
    unit = at(merchant, "certified")
    unit = {**unit, **cert.act(unit, regulator(), "suspend", "现场检查", NOW).fields}
    assert cert.licence_feed(unit, "abnormal_cleared", None, "feed", NOW) is None


def test_licence_feed_changed_updates_only_name_and_address(merchant):
    changes = {"name": "新名", "address": "新址", "region": "110101", "status": "certified"}
    change = cert.licence_feed(at(merchant, "certified"), "changed", changes, "feed", NOW)
    assert change.fields["name"] == "新名" and change.fields["address"] == "新址"
    assert "region" not in change.fields
    assert change.fields["status"] == "certified"
    assert change.fields["history"][-1]["reason"] == "登记信息变更: address, name"
    assert change.events == [("merchant_updated", {
        "merchant_id": "m-1", "changes": {"name": "新名", "address": "新址"},
        "reason": "licence registry"})]


@pytest.mark.parametrize("changes", [None, {}, {"region": "110101", "credit_code": "X"}])
def test_licence_feed_changed_with_nothing_changeable_is_none(merchant, changes):
    assert cert.licence_feed(at(merchant, "certified"), "changed", changes, "feed", NOW) is None


# --- expiring licences, automatic warnings, standing ------------------------------------------

@pytest.mark.parametrize("warning_days, expected", [
    (0, []),
    (30, []),
    (31, ["JY-001"]),  # 2029-06-30 is 31 days after 2029-05-30
    (400, ["JY-001"]),
    (600, ["BL-001", "JY-001"]),  # 2030-12-31 is 580 days after 2029-05-30
])
def test_expiring_licences_within_the_warning_window(merchant, warning_days, expected):
    numbers = [lic["number"] for lic in cert.expiring_licences(merchant, date(2029, 5, 30),
                                                                 warning_days)]
    assert numbers == expected


def test_expiring_licences_includes_those_already_expired(merchant):
    numbers = [lic["number"] for lic in cert.expiring_licences(merchant, date(2031, 1, 1), 0)]
    assert numbers == ["BL-001", "JY-001"]


def test_warn_automatically_moves_a_certified_unit(merchant):
    change = cert.warn_automatically(at(merchant, "certified"), "投诉过多", NOW)
    assert change.fields["status"] == "warned"
    assert change.fields["pool"] == "warning"
    assert change.fields["history"][-1]["by"] == "system"
    assert change.events == [("merchant_status_changed", {
        "merchant_id": "m-1", "from": "certified", "to": "warned", "reason": "投诉过多",
        "by": "system", "region": REGION, "industry": "catering", "name": merchant["name"]})]


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s != "certified"])
def test_warn_automatically_ignores_other_statuses(merchant, status):
    assert cert.warn_automatically(at(merchant, status), "投诉过多", NOW) is None


def test_standing_of_an_unknown_merchant():
    assert cert.standing(None) == {"known": False, "eligible": False}


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_standing_is_eligible_only_when_certified(merchant, status):
    standing = cert.standing(at(merchant, status, store_code="abc"))
    assert standing == {"known": True, "merchant_id": "m-1", "status": status,
                        "eligible": status == "certified", "region": REGION,
                        "industry": "catering", "name": merchant["name"], "store_code": "abc"}


def test_ensure_owner(merchant):
    cert.ensure_owner(Actor(sub="a", role="merchant", merchant_id="m-1"), merchant)
    raises("FORBIDDEN", 403, cert.ensure_owner,
           Actor(sub="a", role="merchant", merchant_id="m-2"), merchant)
    raises("FORBIDDEN", 403, cert.ensure_owner, regulator("province"), merchant)
