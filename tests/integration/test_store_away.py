"""A store away for a moment (no primary during an election, a write a majority has not yet
acknowledged) is answered 503 over the real broker, which a client retries, never 500; an event
handler meeting it retries the event rather than setting it aside."""
import pytest
from nameko.containers import ServiceContainer
from pymongo.errors import AutoReconnect, DuplicateKeyError, NotPrimaryError, WTimeoutError

from plumbing.consumers import curable
from plumbing.errors import DomainError
from plumbing.rpc import BoundedService
from plumbing.service import FangxinService, rpc

AWAY = {"no primary": NotPrimaryError("not primary"),
        "election": AutoReconnect("connection closed"),
        "majority": WTimeoutError("waiting for replication timed out")}


class ElectionService(FangxinService):
    name = "election"

    @rpc
    def write(self, what):
        raise AWAY[what]

    @rpc
    def duplicate(self):
        raise DuplicateKeyError("E11000")


@pytest.fixture
def election(config, rpc):
    container = ServiceContainer(ElectionService, {**config, "max_workers": 2})
    container.start()
    yield BoundedService(rpc("election"), 5)
    container.stop()


@pytest.mark.parametrize("what", sorted(AWAY))
def test_a_store_away_for_a_moment_is_answered_503(election, what):
    with pytest.raises(DomainError) as raised:
        election.write(what)
    assert (raised.value.status, raised.value.code) == (503, "UNAVAILABLE")


def test_any_other_store_error_stays_an_error_of_ours(election):
    with pytest.raises(Exception) as raised:
        election.duplicate()
    assert not isinstance(raised.value, DomainError)


@pytest.mark.parametrize("what", sorted(AWAY))
def test_an_event_meeting_a_store_away_is_retried_not_set_aside(what):
    assert curable(AWAY[what])
    assert not curable(DuplicateKeyError("E11000"))
