"""Domain errors cross nameko's RPC serialisation with their status and details intact."""
import json

from nameko.exceptions import deserialize, serialize

from plumbing.errors import DomainError


def over_the_wire(exc):
    return deserialize(json.loads(json.dumps(serialize(exc))))


def test_status_and_details_survive_serialisation():
    received = over_the_wire(DomainError("WRONG_STAGE", "no", 409,
                                         {"status": "rejected", "limit": 5, "nested": [1, {}]}))
    assert isinstance(received, DomainError)
    assert (received.code, received.message, received.status) == ("WRONG_STAGE", "no", 409)
    assert received.details == {"status": "rejected", "limit": 5, "nested": [1, {}]}


def test_an_error_without_details_arrives_with_empty_details():
    received = over_the_wire(DomainError("UNAVAILABLE", "down", 503))
    assert (received.status, received.details) == (503, {})
