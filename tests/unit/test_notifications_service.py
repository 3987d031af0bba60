"""The nameko class NotificationsService run in-process through nameko's worker_factory, its
dependencies replaced (an in-memory store, a FixedClock, settings with no providers): each
entrypoint decodes its input, checks who acts and hands over to the application code."""
from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from plumbing.actors import Actor
from plumbing.clock import FixedClock
from plumbing.coalesce import Coalescer
from plumbing.errors import DomainError
from plumbing.events import routing_key
from services.notifications.service import NotificationsService
from services.notifications.settings import NotificationSettings
from services.notifications.sign_in import SignInRules
from tests.unit.fakes.notification_store import FakeNotificationStore

CONSUMER = {"sub": "c-1", "role": "consumer"}
MERCHANT = {"sub": "till-1", "role": "merchant", "merchant_id": "m-1"}
REGULATOR = {"sub": "reg-1", "role": "regulator", "region": "330100", "level": "city"}
SETTINGS = NotificationSettings(
    providers=(), send_timeout_seconds=1, max_attempts=3, retry_base_seconds=30,
    retry_cap_seconds=3600, warnings_per_day=3, warning_batch_size=100,
    sign_in=SignInRules(secret=None, code_seconds=300, tries=3, sends_per_hour=5))
DRAFT = {"title": "预付卡消费提示", "body": "谨慎办理大额预付卡。", "region": "330106"}


@pytest.fixture
def service():
    return worker_factory(
        NotificationsService, store=FakeNotificationStore(),
        clock=FixedClock(datetime(2026, 10, 1, 9, tzinfo=UTC)), settings=SETTINGS,
        store_batches=Coalescer())


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_bad_preferences_are_the_validation_error_and_reach_nothing(service):
    service.inbox_of = Mock()
    error = refusal(lambda: service.set_preferences(CONSUMER, {"locale": "fr"}))
    assert (error.code, error.status) == ("VALIDATION_ERROR", 422)
    assert "locale" in error.details
    assert service.inbox_of.mock_calls == []


def test_a_bad_warning_draft_is_the_validation_error_and_reaches_nothing(service):
    service.warnings = Mock()
    error = refusal(lambda: service.draft_warning(REGULATOR, {**DRAFT, "region": "33"}))
    assert (error.code, error.status) == ("VALIDATION_ERROR", 422)
    assert service.warnings.mock_calls == []


def test_a_draft_outside_the_regulators_jurisdiction_is_forbidden_first(service):
    service.warnings = Mock()
    error = refusal(lambda: service.draft_warning(REGULATOR, {**DRAFT, "region": "110101"}))
    assert (error.code, error.status) == ("OUT_OF_JURISDICTION", 403)
    assert service.warnings.mock_calls == []


def test_good_preferences_are_handed_over_decoded_with_the_actor(service):
    service.inbox_of = Mock()
    service.set_preferences(CONSUMER, {"locale": "en", "region": "330106"})
    [call] = service.inbox_of.set_preferences.call_args_list
    actor, preferences = call.args
    assert actor == Actor.from_dict(CONSUMER)
    assert preferences["locale"] == "en" and preferences["region"] == "330106"


def test_a_good_draft_is_handed_over(service):
    service.warnings = Mock()
    service.warnings.draft.return_value = {"warning_id": "w-1"}
    assert service.draft_warning(REGULATOR, DRAFT) == {"warning_id": "w-1"}
    [call] = service.warnings.draft.call_args_list
    assert call.args[0] == Actor.from_dict(REGULATOR)
    assert call.args[1]["region"] == "330106"


@pytest.mark.parametrize("call, application, method, args", [
    (lambda s: s.inbox(MERCHANT, True, "cur", 5), "inbox_of", "page",
     (Actor.from_dict(MERCHANT), True, "cur", 5)),
    (lambda s: s.mark_read(MERCHANT, "n-1"), "inbox_of", "mark_read",
     (Actor.from_dict(MERCHANT), "n-1")),
    (lambda s: s.get_preferences(MERCHANT), "inbox_of", "preferences", ("merchant:m-1",)),
    (lambda s: s.deliveries(CONSUMER, None, 20), "inbox_of", "deliveries", ("user:c-1", None,
                                                                             20)),
    (lambda s: s.send_sign_in_code("13800138000", "en"), "signing_in", "send_code",
     ("13800138000", "en")),
    (lambda s: s.sign_in_with_code("13800138000", "123456"), "signing_in", "sign_in",
     ("13800138000", "123456")),
    (lambda s: s.publish_warning(REGULATOR, "w-1"), "warnings", "publish",
     (Actor.from_dict(REGULATOR), "w-1")),
    (lambda s: s.get_warning(REGULATOR, "w-1"), "warnings", "seen_by",
     (Actor.from_dict(REGULATOR), "w-1")),
    (lambda s: s.public_warnings({"region": "330106"}), "warnings", "public_page",
     ("330106", None, 20)),
    (lambda s: s.retry_deliveries(), "timers", "retry_deliveries", ()),
])
def test_each_call_is_handed_to_its_application(service, call, application, method, args):
    setattr(service, application, Mock())
    call(service)
    getattr(getattr(service, application), method).assert_called_once_with(*args)


def test_events_are_handed_to_the_delivering_and_the_fan_out(service):
    """The handlers under their consumer (plumbing/consumers.py: envelope checks and
    idempotency on ``event_id``, tested there)."""
    service.delivering, service.warnings = Mock(), Mock()
    envelope = {"event_id": "e-1", "type": "complaint_forwarded", "source": "complaints",
                "data": {}}
    NotificationsService.on_complaint_forwarded.__wrapped__(service, envelope)
    service.delivering.notify.assert_called_once_with(envelope)
    published = {**envelope, "type": "warning_published", "source": "notifications"}
    NotificationsService.on_warning_published.__wrapped__(service, published)
    service.warnings.fan_out.assert_called_once_with(published)


@pytest.mark.parametrize("event_type, version", [
    ("complaint_forwarded", 2), ("complaint_escalated", 2), ("complaint_closed", 2),
    ("complaint_screening_escalated", 1), ("complaint_responded", 1),
    ("complaint_deadline_approaching", 1)])
def test_each_complaint_handler_reads_the_version_with_every_fact(event_type, version):
    """A fact whose deadline is pending has no v1 envelope: those handlers read v2, under
    their old names (the claims of the events they handled as v1 hold)."""
    handler = getattr(NotificationsService, f"on_{event_type}")
    [entrypoint] = handler.nameko_entrypoints
    assert (entrypoint.source_service, entrypoint.event_type) == (
        "complaints", routing_key(event_type, version))


def test_signing_in_unconfigured_is_unavailable(service):
    error = refusal(lambda: service.send_sign_in_code("13800138000"))
    assert (error.code, error.status) == ("UNAVAILABLE", 503)
