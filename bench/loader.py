"""Stores a ``bench.programme.Programme`` through the services' own store code, in bulk: each
document prepared by its store (its composite keys, what it is derived as), its derived data
(counters, search postings) added up in memory and written in large batches, and documents
inserted thousands at a time (inside transactions on the embedded store, where that is several
times faster)."""
import threading
import time
from queue import Queue

from pymongo import InsertOne
from pymongo.errors import BulkWriteError

from plumbing.config import database_name
from plumbing.derived import write_in_bulk
from plumbing.write_errors import refused_as_duplicates
from services.complaints.store import COMPLAINTS, ComplaintsStore
from services.coupons.store import (
    CAMPAIGNS,
    COUPONS,
    HOLDINGS,
    MERCHANTS,
    REDEMPTIONS,
    STOCK,
    CouponsStore,
)
from services.notifications.store import AUDIENCE, MESSAGES, PREFERENCES, NotificationsStore
from services.registry.certification import PUBLIC_STATUSES
from services.registry.store import MERCHANTS as UNITS
from services.registry.store import RegistryStore

BATCH = 5000


class Pipeline:
    """One thread that makes the writes, in the order they come, while the programme makes
    the next documents (the store and the loader then each keep a core busy)."""

    def __init__(self):
        self.queue, self.failure = Queue(maxsize=4), None
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def _work(self):
        while True:
            write = self.queue.get()
            try:
                if write is not None and self.failure is None:
                    write()
            except Exception as exc:  # noqa: BLE001  (raised again in the loading thread)
                self.failure = exc
            finally:
                self.queue.task_done()
            if write is None:
                return

    def run(self, write):
        if self.failure is not None:
            raise self.failure
        self.queue.put(write)

    def drain(self):
        self.queue.join()
        if self.failure is not None:
            raise self.failure

    def close(self):
        self.queue.put(None)
        self.thread.join()


class Writer:
    """Inserts documents into one collection ``BATCH`` at a time, through the pipeline;
    ``keep_existing``: a document whose id a service wrote meanwhile is left as it is."""

    def __init__(self, loader, db, collection, keep_existing=False):
        self.loader, self.collection = loader, db[collection]
        self.pending, self.written, self.keep_existing = [], 0, keep_existing

    def add(self, document):
        self.pending.append(InsertOne(document))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        self.written += len(batch)
        self.loader.pipeline.run(lambda: self._write(batch))

    def _write(self, batch):
        # a transaction would take nothing of a batch with a refused document
        transactions = None if self.keep_existing else self.loader.transactions
        try:
            write_in_bulk(self.collection, batch, transactions)
        except BulkWriteError as exc:
            if not self.keep_existing:
                raise
            refused_as_duplicates(exc)  # raises again for any other failure


class Loader:
    def __init__(self, client):
        self.client = client
        # a real MongoDB (it reports its version) may be a standalone server without
        # transactions; the embedded store has them and inserts several times faster in one
        self.transactions = client if "version" not in client.server_info() else None
        self.pipeline = None
        self.seconds = {}

    def db(self, service):
        return self.client[database_name(service)]

    def writer(self, service, collection, keep_existing=False):
        return Writer(self, self.db(service), collection, keep_existing)

    def bulk(self, store, collection):
        return store.DERIVED[collection].bulk(store.db, self.transactions, self.pipeline.run)

    def _stored(self, name, write):
        started = time.monotonic()
        self.pipeline = Pipeline()
        try:
            count = write()
            self.pipeline.drain()
        finally:
            self.pipeline.close()
        self.seconds[name] = round(time.monotonic() - started, 1)
        print(f"  {name}: {count:,} documents in {self.seconds[name]} s", flush=True)
        return count

    def load(self, programme):
        """Stores the whole programme; what the bench asks about afterwards (``World``)."""
        world = programme.world
        units, certified = [], []
        world.counts["units"] = self._stored("units", lambda: self._units(programme, units,
                                                                          certified))
        subs = []
        world.counts["consumers"] = self._stored("consumers", lambda: self._consumers(
            programme, subs))
        world.counts["complaints"] = self._stored("complaints", lambda: self._complaints(
            programme, units, subs))
        world.counts["coupons"] = self._stored("coupons", lambda: self._coupons(
            programme, certified, subs))
        return world

    def _units(self, programme, public, certified):
        """The units; ``public`` and ``certified`` get (id, name, region, industry) of those
        found in search and of those that may redeem coupons."""
        store = RegistryStore(self.db("registry"))
        bulk, writer = self.bulk(store, UNITS), self.writer("registry", UNITS)
        for merchant in programme.merchants():
            document = store.prepared(UNITS, merchant, new=True)
            writer.add(document)
            bulk.add(document)
            unit = (merchant["_id"], merchant["name"], merchant["region"], merchant["industry"])
            if merchant["status"] in PUBLIC_STATUSES:
                public.append(unit)
            if merchant["status"] == "certified":
                certified.append(unit)
        writer.flush()
        bulk.finish()
        return writer.written

    def _consumers(self, programme, subs):
        store = NotificationsStore(self.db("notifications"))
        writers = {name: self.writer("notifications", name)
                   for name in (PREFERENCES, AUDIENCE, MESSAGES)}
        for sub, county in programme.consumers():
            subs.append(sub)
            preferences, audience, message = programme.consumer_documents(sub, county)
            writers[PREFERENCES].add(preferences)
            writers[AUDIENCE].add(audience)
            writers[MESSAGES].add(store.prepared(MESSAGES, message))
        for message in programme.warnings_received_today(subs[1:101], 3):
            writers[MESSAGES].add(store.prepared(MESSAGES, message))
        for writer in writers.values():
            writer.flush()
        return sum(writer.written for writer in writers.values())

    def _complaints(self, programme, public, subs):
        store = ComplaintsStore(self.db("complaints"))
        bulk = self.bulk(store, COMPLAINTS)
        writer, month = self.writer("complaints", COMPLAINTS), None
        for complaint in programme.complaints(public, subs):
            if complaint["filed_at"][:7] != month:
                bulk.flush()
                month = complaint["filed_at"][:7]
            document = store.prepared(COMPLAINTS, complaint, new=True)
            writer.add(document)
            bulk.add(document)
        writer.flush()
        bulk.finish()
        return writer.written

    def _coupons(self, programme, certified, subs):
        store = CouponsStore(self.db("coupons"))
        bulk = self.bulk(store, COUPONS)
        writers = {name: self.writer("coupons", name)
                   for name in (COUPONS, HOLDINGS, REDEMPTIONS)}
        # the service may have heard of some of them already (a licence about to run out)
        writers[MERCHANTS] = self.writer("coupons", MERCHANTS, keep_existing=True)
        redeemers = certified[:5000]
        for merchant in redeemers:
            writers[MERCHANTS].add(programme.merchant_copy(merchant))
        world = programme.world
        for kind, quantity, attribute in (("voucher", programme.sizes.vouchers,
                                           "voucher_campaign"),
                                          ("lucky_draw", programme.sizes.prizes, "lucky_draw")):
            campaign = programme.campaign(kind, quantity, f"浙里消费券 {kind}")
            setattr(world, attribute, campaign["_id"])
            campaign_document = store.prepared(CAMPAIGNS, campaign, new=True)
            stock = programme.stock(campaign)
            self.pipeline.run(lambda document=campaign_document: store.db[CAMPAIGNS].insert_one(
                document))
            self.pipeline.run(lambda counters=stock: store.db[STOCK].insert_many(counters))
            claimants = subs[:quantity] if kind == "voucher" else subs[-quantity:]
            for coupon in programme.claimed_coupons(campaign, claimants, redeemers):
                document = store.prepared(COUPONS, coupon, new=True)
                writers[COUPONS].add(document)
                bulk.add(document)
                writers[HOLDINGS].add(programme.holding(campaign["_id"], coupon["consumer"]))
                if coupon.get("redemption"):
                    writers[REDEMPTIONS].add(coupon["redemption"])
        # not the first unit: the bench files complaints against it, which warn it
        world.redeeming_merchants = [merchant[0] for merchant in redeemers[1:200]]
        for writer in writers.values():
            writer.flush()
        bulk.finish()
        return writers[COUPONS].written
