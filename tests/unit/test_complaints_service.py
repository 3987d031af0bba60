"""The nameko class ComplaintsService run in-process through nameko's worker_factory, its
dependencies replaced (an in-memory store, a FixedClock, the registry's fake): each entrypoint
decodes its input, checks who acts and hands over to the application code."""
from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from plumbing.actors import Actor
from plumbing.clock import FixedClock
from plumbing.errors import DomainError
from services.complaints.service import ComplaintsService
from tests.unit.fakes.complaint_store import FakeComplaintStore
from tests.unit.fakes.registry_rpc import FakeRegistry
from tests.unit.test_complaint_application import MERCHANTS, SETTINGS

CONSUMER = {"sub": "carol", "role": "consumer"}
MERCHANT = {"sub": "alice", "role": "merchant", "merchant_id": "m-1"}
REGULATOR = {"sub": "reg", "role": "regulator", "region": "350100", "level": "city"}
FILING = {"merchant_id": "m-1", "category": "quality", "title": "买到变质食品",
          "description": "卤味变质", "occurred_on": "2026-11-20",
          "contact_phone": "13800138000"}


@pytest.fixture
def service():
    return worker_factory(
        ComplaintsService, store=FakeComplaintStore(),
        clock=FixedClock(datetime(2026, 11, 21, 8, tzinfo=UTC)), settings=SETTINGS,
        registry=FakeRegistry(MERCHANTS), names_tagger=None)


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("call", [
    lambda s: s.file_complaint(CONSUMER, {**FILING, "amount_fen": "lots"}),
    lambda s: s.file_complaint(CONSUMER, {**FILING, "store_code": "sc-1"}),  # both named
    lambda s: s.respond(MERCHANT, "c-1", {"proposal": "bribe", "message": "x"}),
    lambda s: s.decide(CONSUMER, "c-1", {"accept": "maybe"}),
    lambda s: s.mediate(REGULATOR, "c-1", {"outcome": "resolved"}),  # no relief
    lambda s: s.rate(CONSUMER, "c-1", {"satisfaction": 9}),
    lambda s: s.screen(REGULATOR, "c-1", {"decision": "ignore"}),
    lambda s: s.preview_publication(7, "text"),
])
def test_a_bad_body_is_the_validation_error_and_reaches_nothing(service, call):
    service.filing, service.handling, service.disclosure = Mock(), Mock(), Mock()
    error = refusal(lambda: call(service))
    assert (error.code, error.status) == ("VALIDATION_ERROR", 422)
    for application in (service.filing, service.handling, service.disclosure):
        assert application.mock_calls == []
    assert service.store.calls == {}


@pytest.mark.parametrize("call", [
    lambda s: s.file_complaint(MERCHANT, FILING),
    lambda s: s.file_complaint(REGULATOR, FILING),
])
def test_only_consumers_file(service, call):
    service.filing = Mock()
    error = refusal(lambda: call(service))
    assert (error.code, error.status) == ("FORBIDDEN", 403)
    service.filing.file.assert_not_called()


def test_statistics_outside_the_jurisdiction_reach_nothing(service):
    service.disclosure = Mock()
    error = refusal(lambda: service.statistics(REGULATOR, {"region": "330100"}))
    assert error.code == "OUT_OF_JURISDICTION"
    assert service.disclosure.mock_calls == []


def test_a_good_filing_is_handed_over_decoded(service):
    service.filing = Mock()
    service.filing.file.return_value = {"complaint_id": "x"}
    assert service.file_complaint(CONSUMER, FILING) == {"complaint_id": "x"}
    [call] = service.filing.file.call_args_list
    actor, body = call.args
    assert actor == Actor.from_dict(CONSUMER)
    assert body["occurred_on"].isoformat() == "2026-11-20" and body["amount_fen"] == 0


def test_good_steps_are_handed_over_decoded(service):
    service.handling = Mock()
    service.respond(MERCHANT, "c-1", {"proposal": "refund", "message": "退", "amount_fen": 100})
    service.handling.respond.assert_called_once_with(
        Actor.from_dict(MERCHANT), "c-1", {"proposal": "refund", "message": "退",
                                           "amount_fen": 100})
    service.decide(CONSUMER, "c-1", {"accept": True})
    service.handling.decide.assert_called_once_with(Actor.from_dict(CONSUMER), "c-1", True, "")
    service.statistics(REGULATOR, {"from_": "2026-11-01"})
    service.disclosure = Mock()
    service.statistics(REGULATOR, {"region": "350102"})
    service.disclosure.statistics.assert_called_once_with("350102", "350102",
                                                          {"region": "350102"})


def test_a_complaint_filed_and_answered_through_the_service(service):
    filed = service.file_complaint(CONSUMER, FILING)
    answered = service.respond(MERCHANT, filed["complaint_id"],
                               {"proposal": "apology", "message": "抱歉"})
    assert answered["status"] == "responded"
    assert service.get_complaint(CONSUMER, filed["complaint_id"])["status"] == "responded"
    assert [e["type"] for e in service.store.facts()] == [
        "complaint_submitted", "complaint_forwarded", "complaint_responded"]
    assert service.public_disclosure("m-1", False)["total"] == 1


def test_the_schedules_run_through_the_timers(service):
    service.timers = Mock()
    assert service.watch_deadlines() is True  # no lease to take: the fake store has no replicas
    assert service.find_hotspots() is True
    service.timers.watch_deadlines.assert_called_once_with()
    service.timers.find_hotspots.assert_called_once_with()
