"""The nameko class RegistryService run in-process through nameko's worker_factory, its
dependencies replaced (an in-memory store, a FixedClock, settings): each entrypoint decodes its
input, checks who acts and hands over to the application code."""
from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from plumbing.actors import Actor
from plumbing.clock import FixedClock
from plumbing.errors import DomainError
from services.registry.service import RegistryService
from services.registry.settings import RegistrySettings
from tests.unit.fakes.registry_store import FakeRegistryStore

OWNER = {"sub": "owner-1", "role": "merchant", "merchant_id": "m-1"}
CITY = {"sub": "reg-city", "role": "regulator", "region": "350100", "level": "city"}
CONSUMER = {"sub": "c-1", "role": "consumer"}


@pytest.fixture
def service():
    return worker_factory(RegistryService, store=FakeRegistryStore(),
                          clock=FixedClock(datetime(2026, 11, 21, 9, tzinfo=UTC)),
                          settings=RegistrySettings(licence_warning_days=30))


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("call", [
    lambda s: s.apply(OWNER, {"name": "x"}),
    lambda s: s.resubmit(OWNER, "m-1", {"credit_code": 7}),
    lambda s: s.update_merchant(OWNER, "m-1", {"contact_phone": 13800138000}),
    lambda s: s.update_merchant(OWNER, "m-1", {}),
    lambda s: s.review(CITY, "m-1", {"stage": "lunch", "decision": "pass"}),
    lambda s: s.act(CITY, "m-1", {"action": "applaud"}),
    lambda s: s.set_stars(CITY, "m-1", {"stars": 9}),
    lambda s: s.licence_event(CITY, {"event": "revoked", "credit_code": "nope"}),
    lambda s: s.create_spot_checks(CITY, {"region": "35", "sample_size": 0}),
    lambda s: s.spot_check_result(CITY, "t-1", {"result": "maybe"}),
    lambda s: s.rate(CONSUMER, "m-1", {"score": 6}),
    lambda s: s.record_scans({"m-1": "many"}),
])
def test_a_bad_body_is_the_validation_error_and_reaches_no_application(service, call):
    service.applications, service.regulation, service.public = Mock(), Mock(), Mock()
    error = refusal(lambda: call(service))
    assert (error.code, error.status) == ("VALIDATION_ERROR", 422)
    for application in (service.applications, service.regulation, service.public):
        assert application.mock_calls == []
    assert service.store.events == []


def test_an_account_without_a_merchant_applies_nothing(service, application_body):
    service.applications = Mock()
    error = refusal(lambda: service.apply(CONSUMER, application_body))
    assert (error.code, error.status) == ("FORBIDDEN", 403)
    assert service.applications.mock_calls == []


def test_a_good_application_is_handed_over_decoded(service, application_body, application):
    service.applications = Mock()
    service.applications.apply.return_value = {"merchant_id": "m-1"}
    assert service.apply(OWNER, application_body) == {"merchant_id": "m-1"}
    service.applications.apply.assert_called_once_with("m-1", application, "owner-1")


def test_a_good_review_is_handed_over_with_the_actor(service):
    service.applications = Mock()
    service.review(CITY, "m-1", {"stage": "final", "decision": "pass", "notes": "ok"})
    service.applications.review.assert_called_once_with(Actor.from_dict(CITY), "m-1", "final",
                                                        "pass", "ok")


def test_a_good_rating_is_handed_over_with_the_consumer(service):
    service.public = Mock()
    service.rate(CONSUMER, "m-1", {"score": 5})
    [call] = service.public.rate.call_args_list
    assert call.args[:3] == ("c-1", "m-1", 5)


def test_the_real_application_answers_through_the_service(service, application_body):
    view = service.apply(OWNER, application_body)
    assert view["status"] == "pending_onsite"
    assert service.get_merchant(OWNER, "m-1")["merchant_id"] == "m-1"
    assert [e["type"] for e in service.store.events] == ["merchant_applied"]
    assert service.standing("m-9")["known"] is False


def test_the_complaint_threshold_and_the_scan_are_handed_over(service):
    service.regulation, service.timers = Mock(), Mock()
    envelope = {"event_id": "e-1", "type": "merchant_complaint_threshold_exceeded",
                "source": "complaints", "occurred_at": "2026-11-21T09:00:00.000000Z",
                "version": 1, "data": {"merchant_id": "m-1"}}
    service.on_complaint_threshold(envelope)
    service.on_complaint_threshold(envelope)  # delivered twice: handled once
    service.regulation.complaint_threshold.assert_called_once_with("m-1")
    assert service.scan() is True  # no lease to take: the fake store has no replicas
    service.timers.scan.assert_called_once_with()


def certified_unit(service, application_body):
    service.apply(OWNER, application_body)
    service.store.merchants["m-1"]["status"] = "certified"


def about_the_unit(event_id, event_type, source, version=1):
    return {"event_id": event_id, "type": event_type, "source": source, "version": version,
            "occurred_at": "2026-11-21T09:00:00.000000Z", "data": {"merchant_id": "m-1"}}


def test_evidence_events_regrade_their_merchant_once_each(service, application_body):
    certified_unit(service, application_body)
    forwarded = about_the_unit("e-2", "complaint_forwarded", "complaints", version=2)
    service.grade_on_complaint_forwarded(forwarded)
    service.grade_on_complaint_forwarded(forwarded)  # delivered twice: counted once
    trust = service.store.get_merchant("m-1")["trust"]
    assert trust["evidence"]["complaints"]["value"] == 1.0
    assert trust["grade"]["score"] == 89.0  # 30 · (1 − 1/5) for the volume
    assert [e["type"] for e in service.store.events][-2:] == ["merchant_updated",
                                                              "merchant_grade_changed"]
    service.grade_on_complaint_forwarded({**forwarded, "event_id": "e-3",
                                          "data": {"merchant_id": "m-9"}})  # unknown: left
    service.grade_on_coupon_redeemed({**about_the_unit("e-4", "coupon_redeemed", "coupons"),
                                      "data": {"merchant_id": "m-9"}})


def test_a_redemption_is_counted_once_and_folded_in_at_the_next_regrade(service,
                                                                         application_body):
    certified_unit(service, application_body)
    redeemed = about_the_unit("e-5", "coupon_redeemed", "coupons")
    service.grade_on_coupon_redeemed(redeemed)
    service.store.handled.clear()  # a crash after the count, before the claim was finished
    service.grade_on_coupon_redeemed(redeemed)
    merchant = service.store.get_merchant("m-1")
    assert merchant["redemption_count"] == 1
    assert "trust" not in merchant  # counted, not regraded
    service.grade_on_complaint_forwarded(about_the_unit("e-6", "complaint_forwarded",
                                                        "complaints", version=2))
    trust = service.store.get_merchant("m-1")["trust"]
    assert trust["redemptions_counted"] == 1
    assert trust["evidence"]["redemptions"]["value"] == 1.0
    rolled_back = about_the_unit("e-7", "coupon_redemption_rolled_back", "coupons")
    service.grade_on_coupon_redemption_rolled_back(rolled_back)
    service.store.handled.clear()
    service.grade_on_coupon_redemption_rolled_back(rolled_back)
    assert service.store.get_merchant("m-1")["redemption_count"] == 0
    service.grade_on_merchant_rated(about_the_unit("e-8", "merchant_rated", "registry"))
    trust = service.store.get_merchant("m-1")["trust"]
    assert trust["redemptions_counted"] == 0
    assert trust["evidence"]["redemptions"]["value"] == 0.0
