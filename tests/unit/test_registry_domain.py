from datetime import date, timedelta

import pytest

from contracts.catalogue import FOOD_INDUSTRIES, INDUSTRIES
from plumbing.outbox import new_document_with_events
from services.registry.domain import expired_licence_errors, new_merchant, pool_of, precheck, view

TODAY = date(2026, 11, 21)
NOW = "2026-11-21T08:00:00.000000Z"
NON_FOOD_INDUSTRIES = sorted(set(INDUSTRIES) - FOOD_INDUSTRIES)


def codes(reasons):
    return [reason["code"] for reason in reasons]


def without_licence(application, kind):
    application["licences"] = [lic for lic in application["licences"] if lic["kind"] != kind]
    return application


# --- precheck ---------------------------------------------------------------------------------

def test_complete_application_passes(application):
    assert precheck(application, TODAY, abnormal_listed=False) == []


def test_missing_business_licence_is_reported(application):
    reasons = precheck(without_licence(application, "business_licence"), TODAY, False)
    assert codes(reasons) == ["BUSINESS_LICENCE_MISSING"]


@pytest.mark.parametrize("industry", sorted(FOOD_INDUSTRIES))
def test_food_industry_without_food_licence_is_rejected(application, industry):
    application["industry"] = industry
    reasons = precheck(without_licence(application, "food_operation"), TODAY, False)
    assert codes(reasons) == ["FOOD_LICENCE_MISSING"]


@pytest.mark.parametrize("industry", NON_FOOD_INDUSTRIES)
def test_other_industries_need_no_food_licence(application, industry):
    application["industry"] = industry
    assert precheck(without_licence(application, "food_operation"), TODAY, False) == []


def test_an_expired_licence_is_a_field_error_naming_its_number_and_date(application):
    application["licences"][1]["valid_until"] = TODAY - timedelta(days=1)
    errors = expired_licence_errors(application["licences"], TODAY)
    assert list(errors) == [1]
    [message] = errors[1]["valid_until"]
    assert "JY-001" in message and "2026-11-20" in message


def test_licence_valid_until_today_is_not_expired(application):
    application["licences"][0]["valid_until"] = TODAY
    assert expired_licence_errors(application["licences"], TODAY) == {}
    assert precheck(application, TODAY, False) == []


def test_incomplete_declaration_lists_the_unmet_keys_sorted(application):
    items = application["declaration"]["items"]
    items["no_price_fraud"] = False
    del items["has_trust_sign"]
    items["has_after_sales"] = False
    reasons = precheck(application, TODAY, False)
    assert codes(reasons) == ["DECLARATION_INCOMPLETE"]
    assert reasons[0]["message"].endswith("has_after_sales, has_trust_sign, no_price_fraud")


def test_abnormal_listed_unit_is_rejected(application):
    assert codes(precheck(application, TODAY, abnormal_listed=True)) == ["ABNORMAL_LISTED"]


def test_every_problem_is_reported_at_once(application):
    application["licences"] = [{"kind": "other", "number": "X", "valid_until": date(2020, 1, 1)}]
    application["declaration"]["items"] = {}
    assert codes(precheck(application, TODAY, True)) == [
        "BUSINESS_LICENCE_MISSING", "FOOD_LICENCE_MISSING", "DECLARATION_INCOMPLETE",
        "ABNORMAL_LISTED"]


# --- pool_of ----------------------------------------------------------------------------------

@pytest.mark.parametrize("status, stars, pool", [
    ("pending_onsite", 0, "selection"),
    ("pending_county", 0, "selection"),
    ("pending_final", 0, "selection"),
    ("certified", 0, "cultivation"),
    ("certified", 3, "star"),
    ("warned", 2, "warning"),
    ("rejected", 0, None),
    ("suspended", 0, None),
    ("delisted", 0, None),
])
def test_pool_follows_status_and_stars(status, stars, pool):
    assert pool_of(status, stars) == pool


# --- new_merchant -----------------------------------------------------------------------------

def test_passing_application_becomes_pending_onsite(application):
    merchant = new_merchant("m-1", application, [], "user-1", NOW)
    assert (merchant["status"], merchant["pool"]) == ("pending_onsite", "selection")
    assert merchant["rejection_reasons"] == []


def test_failing_application_becomes_rejected_with_its_reasons(application):
    reasons = precheck(without_licence(application, "business_licence"), TODAY, True)
    merchant = new_merchant("m-1", application, reasons, "user-1", NOW)
    assert (merchant["status"], merchant["pool"]) == ("rejected", None)
    assert merchant["rejection_reasons"] == reasons


@pytest.mark.parametrize("reasons, to, reason_text", [
    ([], "pending_onsite", "自主申报，自动预审通过"),
    ([{"code": "A", "message": "a"}, {"code": "B", "message": "b"}], "rejected", "A; B"),
])
def test_history_starts_with_one_entry(application, reasons, to, reason_text):
    merchant = new_merchant("m-1", application, reasons, "user-1", NOW)
    assert merchant["history"] == [
        {"at": NOW, "from": None, "to": to, "by": "user-1", "reason": reason_text}]


def test_new_merchant_record_fields(application):
    merchant = new_merchant("m-1", application, [], "user-1", NOW)
    assert merchant["_id"] == "m-1"
    assert merchant["name"] == application["name"]
    assert (merchant["stars"], merchant["store_code"], merchant["version"]) == (0, None, 1)
    assert merchant["created_at"] == merchant["updated_at"] == NOW


def test_licence_dates_are_stored_as_iso_strings(application):
    merchant = new_merchant("m-1", application, [], "user-1", NOW)
    assert [lic["valid_until"] for lic in merchant["licences"]] == ["2030-12-31", "2029-06-30"]


def test_new_merchant_leaves_the_application_untouched(application):
    new_merchant("m-1", application, [], "user-1", NOW)
    assert application["licences"][0]["valid_until"] == date(2030, 12, 31)


# --- view -------------------------------------------------------------------------------------

def test_view_hides_storage_fields_and_shows_merchant_id(application):
    stored = new_document_with_events(new_merchant("m-1", application, [], "user-1", NOW),
                                      [{"event_id": "e1", "occurred_at": NOW}])
    shown = view(stored)
    assert shown["merchant_id"] == "m-1"
    assert not {"_id", "outbox", "outbox_count", "version"} & set(shown)
    assert shown["status"] == "pending_onsite"
    assert shown["history"] == stored["history"]
