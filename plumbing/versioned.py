"""Versioned documents: a change is decided on what was read and written only if nobody wrote
in between; the loser reads again and decides again."""
from dataclasses import dataclass, field

from plumbing.errors import conflict

ATTEMPTS = 5
CONCURRENT_UPDATE = "CONCURRENT_UPDATE"


@dataclass
class Change:
    """The fields a decision sets and the events it causes, as (type, data) pairs."""
    fields: dict
    events: list = field(default_factory=list)


def apply_with_retries(read, decide, write, attempts=ATTEMPTS):
    """``decide(read()) -> Change | None`` written by ``write(document, change)``, which
    answers None when the document changed since it was read."""
    for _ in range(attempts):
        document = read()
        change = decide(document)
        if change is None:
            return document
        saved = write(document, change)
        if saved is not None:
            return saved
    raise conflict(CONCURRENT_UPDATE, "it changed meanwhile; try again")
