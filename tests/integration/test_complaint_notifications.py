"""The notifications service on the real broker and store hears the complaints' deadline facts
in the version that has them all: a closing by deadline reaches both parties, a screening
escalation the next level's regulators and the consumer, and a forwarding whose deadline is
pending (which has no v1 envelope) reaches the merchant with the pending wording, and a
reminder of the consumer's decision reaches the consumer."""
import uuid

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from plumbing.clock import Clock
from plumbing.events import routing_key
from services.complaints.events import CONTRACTS, envelopes
from services.notifications.service import NotificationsService
from services.notifications.store import MESSAGES
from tests.conftest import private_vhost


@pytest.fixture(scope="module")
def amqp_uri_of_its_own(system_env):
    with private_vhost(system_env["AMQP_URI"], "fangxin-complaint-notices") as amqp_uri:
        yield amqp_uri


@pytest.fixture
def config(amqp_uri_of_its_own):
    """A vhost of its own: the session's stack (tests/e2e) runs notifications consumers on the
    same queues, which would take the facts these tests publish."""
    return {"AMQP_URI": amqp_uri_of_its_own, "WEB_SERVER_ADDRESS": "127.0.0.1:0",
            "max_workers": 10}


def published(config, container, event_type, data):
    """Publishes every live version of the fact, as the complaints' outbox would: the event
    id, once its handler has taken it."""
    facts = envelopes([(event_type, data)], Clock())
    dispatch = event_dispatcher(config)
    with entrypoint_waiter(container, f"on_{event_type}", timeout=10):
        for envelope in facts:
            dispatch("complaints", routing_key(event_type, envelope["version"]), envelope)
    return facts[0]["event_id"]


def told(database, event_id):
    """{recipient: body} of the inbox messages of the event."""
    return {message["recipient"]: message["body"]
            for message in database("notifications")[MESSAGES].find({"event_id": event_id})}


def example(event_type, **changes):
    return {**CONTRACTS[event_type].example, "complaint_id": uuid.uuid4().hex, **changes}


def test_a_closing_by_deadline_reaches_the_consumer_and_the_merchant(
        start_service, config, database):
    container = start_service(NotificationsService)
    event_id = published(config, container, "complaint_closed", example("complaint_closed"))
    bodies = told(database, event_id)
    assert set(bodies) == {"user:c-1029", "merchant:3f1c9a2b7d4e"}
    assert all("因期限届满已自动办结" in body and "视为接受经营者方案" in body
               for body in bodies.values())


def test_a_screening_escalation_reaches_the_next_level_and_the_consumer(
        start_service, config, database):
    container = start_service(NotificationsService)
    event_id = published(config, container, "complaint_screening_escalated",
                         example("complaint_screening_escalated"))
    bodies = told(database, event_id)
    assert set(bodies) == {"region:330100", "user:c-1029"}
    assert "已移交 330100 审核" in bodies["region:330100"]


def test_a_forwarding_with_a_pending_deadline_reaches_the_merchant_in_v2_only(
        start_service, config, database):
    container = start_service(NotificationsService)
    data = example("complaint_forwarded", deadline_at=None, deadline={
        **CONTRACTS["complaint_forwarded"].example["deadline"], "due_at": None,
        "pending_year": 2027})
    assert [envelope["version"] for envelope in envelopes([("complaint_forwarded", data)],
                                                          Clock())] == [2]
    event_id = published(config, container, "complaint_forwarded", data)
    assert "答复期限（7 个工作日）将在 2027 年官方日历发布后确定" in told(
        database, event_id)["merchant:3f1c9a2b7d4e"]


def test_a_decision_reminder_reaches_the_consumer_with_what_silence_does(
        start_service, config, database):
    container = start_service(NotificationsService)
    event_id = published(config, container, "complaint_decision_due",
                         example("complaint_decision_due", proposal="dispute"))
    bodies = told(database, event_id)
    assert set(bodies) == {"user:c-1029"}
    assert "投诉将按未解决办结" in bodies["user:c-1029"]
