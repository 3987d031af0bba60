"""The registry's application code in-process (services/registry/applications.py,
regulation.py, public.py, timers.py over merchants.py): the real code over an in-memory store
(tests/unit/fakes/registry_store.py) and a FixedClock."""
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from contracts.store_page_display import StoreLinks
from plumbing.actors import Actor
from plumbing.clock import FixedClock
from plumbing.errors import DomainError
from services.registry.applications import Applications
from services.registry.merchants import Merchants
from services.registry.public import Public
from services.registry.regulation import Regulation
from services.registry.settings import RegistrySettings
from services.registry.timers import Timers
from tests.unit.fakes.registry_store import FakeRegistryStore

START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
OWNER = Actor(sub="owner-1", role="merchant", merchant_id="m-1")
STATION = Actor(sub="reg-station", role="regulator", region="350102", level="station")
COUNTY = Actor(sub="reg-county", role="regulator", region="350102", level="county")
CITY = Actor(sub="reg-city", role="regulator", region="350100", level="city")
ELSEWHERE = Actor(sub="reg-zj", role="regulator", region="330100", level="city")


@pytest.fixture
def app():
    """The application wired as RegistryService wires it, over fakes."""
    store, clock = FakeRegistryStore(), FixedClock(START)
    merchants = Merchants(store, clock)
    return SimpleNamespace(
        store=store, clock=clock,
        applications=Applications(store, clock, merchants),
        regulation=Regulation(store, clock, merchants, rng=random.Random(7),
                              new_id=lambda: "batch-1"),
        public=Public(store, clock, merchants, StoreLinks()),
        timers=Timers(store, clock, RegistrySettings(licence_warning_days=30), merchants))


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def certified(app, application, merchant_id="m-1"):
    app.applications.apply(merchant_id, application, "owner-1")
    for stage, regulator in (("onsite", STATION), ("county", COUNTY), ("final", CITY)):
        merchant = app.applications.review(regulator, merchant_id, stage, "pass", "ok")
    return merchant


# --- applying ----------------------------------------------------------------------------------

def test_an_application_passes_the_precheck_and_is_stored_with_its_event(app, application):
    view = app.applications.apply("m-1", application, "owner-1")
    assert view["merchant_id"] == "m-1"
    assert (view["status"], view["pool"], view["rejection_reasons"]) == (
        "pending_onsite", "selection", [])
    assert app.store.get_merchant("m-1")["status"] == "pending_onsite"
    [applied] = app.store.events_of("merchant_applied")
    assert applied == {"merchant_id": "m-1", "name": application["name"], "region": "350102",
                       "industry": "catering", "status": "pending_onsite",
                       "rejection_reasons": []}
    assert [e["type"] for e in app.store.events] == ["merchant_applied"]
    assert app.store.events[0]["source"] == "registry"


def test_an_abnormal_listed_applicant_is_stored_rejected_with_both_events(app, application):
    app.store.set_abnormal_listed(application["credit_code"], True, "2026-11-01T00:00:00Z")
    view = app.applications.apply("m-1", application, "owner-1")
    assert view["status"] == "rejected"
    assert [e["type"] for e in app.store.events] == ["merchant_applied", "merchant_rejected"]
    [rejected] = app.store.events_of("merchant_rejected")
    assert [r["code"] for r in rejected["reasons"]] == ["ABNORMAL_LISTED"]


def test_an_expired_licence_is_refused_before_anything_is_stored(app, application):
    application["licences"][0]["valid_until"] = START.date() - timedelta(days=1)
    error = refusal(lambda: app.applications.apply("m-1", application, "owner-1"))
    assert (error.code, error.status) == ("VALIDATION_ERROR", 422)
    assert app.store.merchants == {} and app.store.events == []


def test_a_duplicate_credit_code_is_refused(app, application):
    app.applications.apply("m-1", application, "owner-1")
    error = refusal(lambda: app.applications.apply("m-2", application, "owner-2"))
    assert (error.code, error.status) == ("CREDIT_CODE_TAKEN", 409)
    assert list(app.store.merchants) == ["m-1"]
    assert len(app.store.events_of("merchant_applied")) == 1


def test_the_three_reviews_certify_it(app, application):
    merchant = certified(app, application)
    assert (merchant["status"], merchant["pool"]) == ("certified", "cultivation")
    assert merchant["store_code"]
    assert [e["stage"] for e in app.store.events_of("merchant_review_recorded")] == [
        "onsite", "county", "final"]
    [event] = app.store.events_of("merchant_certified")
    assert event["store_code"] == merchant["store_code"]
    # one write per review: the versioned change carries its events
    assert app.store.writes == {"insert_merchant": 1, "save_versioned": 3}
    page = app.public.page_of_store(merchant["store_code"])
    assert page["name"] == application["name"]
    assert app.public.standing("m-1")["known"] is True


def test_a_review_out_of_its_stage_or_level_is_refused(app, application):
    app.applications.apply("m-1", application, "owner-1")
    assert refusal(lambda: app.applications.review(COUNTY, "m-1", "county", "pass", "")).code \
        == "WRONG_STAGE"
    assert refusal(lambda: app.applications.review(STATION, "m-1", "final", "pass", "")).code \
        == "INSUFFICIENT_LEVEL"
    assert refusal(lambda: app.applications.review(ELSEWHERE, "m-1", "onsite", "pass", "")
                   ).code == "OUT_OF_JURISDICTION"
    assert refusal(lambda: app.applications.review(STATION, "m-9", "onsite", "pass", "")
                   ).code == "MERCHANT_NOT_FOUND"
    assert app.store.events_of("merchant_review_recorded") == []


def test_a_failed_review_rejects_and_the_owner_resubmits(app, application):
    app.applications.apply("m-1", application, "owner-1")
    rejected = app.applications.review(STATION, "m-1", "onsite", "fail", "no fire exit")
    assert rejected["status"] == "rejected"
    resubmitted = app.applications.resubmit(OWNER, "m-1", application)
    assert resubmitted["status"] == "pending_onsite"
    assert len(app.store.events_of("merchant_applied")) == 2
    assert refusal(lambda: app.applications.resubmit(OWNER, "m-1", application)).code == \
        "WRONG_STATE"


def test_only_the_owner_and_regulators_of_its_region_read_it(app, application):
    app.applications.apply("m-1", application, "owner-1")
    assert app.applications.get(OWNER, "m-1")["merchant_id"] == "m-1"
    assert app.applications.get(STATION, "m-1")["merchant_id"] == "m-1"
    assert refusal(lambda: app.applications.get(ELSEWHERE, "m-1")).code == "OUT_OF_JURISDICTION"
    other = Actor(sub="x", role="merchant", merchant_id="m-2")
    assert refusal(lambda: app.applications.get(other, "m-1")).code == "FORBIDDEN"
    assert [m["merchant_id"] for m in app.applications.page(CITY, {})["items"]] == ["m-1"]
    assert app.applications.page(ELSEWHERE, {})["items"] == []


# --- ratings -----------------------------------------------------------------------------------

def test_a_rating_once_per_30_days(app, application):
    certified(app, application)
    assert app.public.rate("c-1", "m-1", 4, None) == {"merchant_id": "m-1", "count": 1,
                                                       "average": 4.0}
    app.clock.advance(days=29)
    assert refusal(lambda: app.public.rate("c-1", "m-1", 5, None)).code == "ALREADY_RATED"
    assert app.public.rate("c-2", "m-1", 2, None)["count"] == 2  # another consumer may
    app.clock.advance(days=1)
    assert app.public.rate("c-1", "m-1", 5, None) == {"merchant_id": "m-1", "count": 3,
                                                       "average": 3.7}
    assert [e["score"] for e in app.store.events_of("merchant_rated")] == [4, 2, 5]


def test_a_unit_not_certified_is_not_rated(app, application):
    app.applications.apply("m-1", application, "owner-1")
    assert refusal(lambda: app.public.rate("c-1", "m-1", 4, None)).code == "WRONG_STATE"
    assert app.store.ratings == {}


# --- regulation and the schedule ---------------------------------------------------------------

def test_a_spot_check_that_warns_moves_the_unit_to_the_warning_library(app, application):
    certified(app, application)
    batch = app.regulation.create_spot_checks(CITY, "350100", 1)
    [task] = batch["items"]
    assert (batch["batch_id"], task["merchant_id"]) == ("batch-1", "m-1")
    done = app.regulation.spot_check_result(STATION, task["task_id"], "warn", "dirty kitchen")
    assert done["status"] == "completed"
    assert app.store.get_merchant("m-1")["status"] == "warned"
    [completed] = app.store.events_of("spot_check_completed")
    assert completed["merchant_status"] == "warned"
    assert refusal(lambda: app.regulation.spot_check_result(
        STATION, task["task_id"], "pass", "")).code == "WRONG_STATE"


def test_the_licence_feed_suspends_and_an_abnormal_listing_is_kept(app, application):
    certified(app, application)
    answer = app.regulation.licence_event(CITY, "abnormal_listed", application["credit_code"],
                                          {})
    assert (answer["status"], answer["changed"]) == ("suspended", True)
    assert app.store.is_abnormal_listed(application["credit_code"])
    assert refusal(lambda: app.regulation.licence_event(
        ELSEWHERE, "revoked", application["credit_code"], {})).code == "OUT_OF_JURISDICTION"


def test_the_scan_regrades_a_quiet_unit_a_week_on_with_its_activity_folded_in(
        app, application):
    certified(app, application)
    graded_at = app.store.get_merchant("m-1")["trust"]["grade"]["computed_at"]
    app.store.count_redemption("m-1", "r-1")
    app.timers.scan()  # not due yet: nothing regraded
    assert "redemptions" not in app.store.get_merchant("m-1")["trust"]["evidence"]
    app.clock.advance(days=8)
    app.timers.scan()
    trust = app.store.get_merchant("m-1")["trust"]
    assert trust["grade"]["computed_at"] > graded_at
    assert (trust["redemptions_counted"], trust["evidence"]["redemptions"]["value"]) == (1, 1.0)
    app.timers.scan()  # regraded a week on: not due again
    assert app.store.get_merchant("m-1")["trust"] == trust


def test_the_licence_scan_warns_a_unit_whose_licence_expires_soon(app, application):
    certified(app, application)
    app.clock.advance(days=(datetime(2029, 6, 10, tzinfo=UTC) - START).days)
    app.timers.scan()
    merchant = app.store.get_merchant("m-1")
    assert merchant["status"] == "warned"
    # warned, then re-evaluated in the same pass (two and a half years after certification)
    assert [h["reason"] for h in merchant["history"]][-2] == "证照即将到期"
    assert merchant["history"][-1]["reason"].startswith("后评价")
    app.timers.scan()  # already warned and re-evaluated: nothing more
    assert len(app.store.events_of("merchant_status_changed")) == 1
