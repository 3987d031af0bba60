"""Writes contracts/asyncapi.json and the schema snapshot of each event version (docs/events/).

    python -m devtools.event_docs

A snapshot already committed for an event's version is only rewritten for a change that cannot
break consumers (plumbing/schema_evolution.py); a breaking change stops here until the event's
version is raised in its contract.
"""
import json
import sys

from plumbing.asyncapi import build, json_schema_of
from plumbing.schema_evolution import breaking_changes
from services.event_catalogue import ASYNCAPI_FILE, CONTRACTS, snapshot_path


def dump(document):
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main():
    refused = []
    for contract in CONTRACTS:
        path = snapshot_path(contract)
        current = json_schema_of(contract.schema)
        if path.exists():
            breaking = breaking_changes(json.loads(path.read_text(encoding="utf-8")), current)
            if breaking:
                refused.append(f"{contract.type} v{contract.version}: {breaking}")
                continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(current), encoding="utf-8")
    ASYNCAPI_FILE.write_text(dump(build(CONTRACTS)), encoding="utf-8")
    if refused:
        print("breaking changes need a new version:\n  " + "\n  ".join(refused), file=sys.stderr)
        return 1
    print(f"wrote {ASYNCAPI_FILE} and {len(CONTRACTS)} snapshots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
