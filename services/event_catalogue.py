"""Every event the services publish, with its contract (plumbing/event_contracts.py): the source
of contracts/asyncapi.json, the gateway's /asyncapi.json and the snapshots under docs/events/."""
from pathlib import Path

from services.complaints.events import CONTRACTS as COMPLAINTS
from services.coupons.events import CONTRACTS as COUPONS
from services.notifications.events import CONTRACTS as NOTIFICATIONS
from services.registry.events import CONTRACTS as REGISTRY

# every version of every event, by source, type and version
CONTRACTS = tuple(sorted((*REGISTRY.every_version(), *COMPLAINTS.every_version(),
                          *COUPONS.every_version(), *NOTIFICATIONS.every_version()),
                         key=lambda c: (c.source, c.type, c.version)))
DOCS = Path(__file__).resolve().parents[1] / "docs"
ASYNCAPI_FILE = DOCS.parent / "contracts" / "asyncapi.json"


def snapshot_path(contract):
    """The committed JSON form of one version of an event's data schema."""
    return DOCS / "events" / f"{contract.source}.{contract.type}.v{contract.version}.json"
