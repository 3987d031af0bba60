"""What the store's errors mean: a key taken, or the store away for a moment (no primary, a
write not yet acknowledged by a majority, an operation over its time), which a retry may cure."""
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WTimeoutError

DUPLICATE_KEY = 11000
STORE_AWAY = (ConnectionFailure, WTimeoutError, ExecutionTimeout)


def refused_as_duplicates(error):
    """The indexes of a bulk write's operations refused because a unique key was taken; raises
    ``error`` again when any operation failed for another reason."""
    failures = error.details.get("writeErrors", [])
    if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
        raise error
    return {failure["index"] for failure in failures}
