"""``python -m devtools.rebuild <service>``: sets the composite keys of a service's stored
documents as its ``listing.py`` says now (a key added since they were last written), and
derives its counters and search postings again from its documents (``plumbing.derived``), for
after a process died between a write and its derived data, or after a change of what is
counted or listed. Run it with the service stopped; it
reads ``MONGO_URI`` and ``MONGO_DB_PREFIX`` like the services."""
import sys

from pymongo import MongoClient

from plumbing.config import database_name, mongo_uri

STORES = {
    "registry": "services.registry.store:RegistryStore",
    "complaints": "services.complaints.store:ComplaintsStore",
    "coupons": "services.coupons.store:CouponsStore",
}


def store_class(service):
    module_name, class_name = STORES[service].split(":")
    module = __import__(module_name, fromlist=[class_name])
    return getattr(module, class_name)


def rebuild(service, client):
    db = client[database_name(service)]
    store = store_class(service)(db)
    for collection in store.KEYS:
        print(f"{service}: {store.rekey(collection)} documents of {collection} re-keyed",
              flush=True)
    for collection, derived in store.DERIVED.items():
        derived.rebuild(db, collection)
        print(f"{service}: rebuilt what is derived from {collection}", flush=True)


def main(argv):
    if len(argv) != 1 or argv[0] not in STORES:
        print(f"usage: python -m devtools.rebuild {{{','.join(STORES)}}}", file=sys.stderr)
        return 2
    client = MongoClient(mongo_uri())
    try:
        rebuild(argv[0], client)
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
