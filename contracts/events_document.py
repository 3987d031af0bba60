"""The AsyncAPI document of every event the services publish, as generated from their
contracts (``python -m devtools.event_docs`` writes it; a test keeps it current): the gateway
serves it without importing the services."""
import json
from functools import cache
from pathlib import Path

FILE = Path(__file__).with_name("asyncapi.json")


@cache
def events_document():
    return json.loads(FILE.read_text(encoding="utf-8"))
