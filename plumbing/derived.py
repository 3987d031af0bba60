"""Data derived from a collection's documents and kept as they change: counters, so that
figures are read and never counted, and postings (one small entry per word of a document), so
that a keyword is looked up and never scanned for.

A ``Derived`` names, for one collection, the ``snapshot(document)`` of the few values its parts
depend on and its parts (``Counters``, ``Postings``), each of which turns the snapshot the
document was derived as and the one it has now into writes.

Each document records the snapshot it was derived as (``derived_as``, canonical JSON text).
A write that changes a stored document's snapshot also sets ``derive_pending`` to a fresh
token, in the same single-document write; right after it, ``settle`` claims the change: sets
``derived_as`` to the new snapshot and moves the token to ``derive_owing`` (with the snapshot
it was derived as before), only while the pending token is the one written and no other change
of the document is owed (of concurrent settles, and of a settle racing a newer write, exactly
one wins). A new document is inserted derived as it is and owing its whole snapshot (a batch
under one token). The parts' writes of an owed change carry its token: a derived document
already holding the token's mark (``derive_applied.<token>``) is not written again. Then the
owing token is removed, and last the marks.

A process that dies before settling leaves the pending token, and one that dies while its
parts' writes are being made leaves the owing token: the sweep (``settle_pending``) settles
the first and finishes the second (once it is ``grace`` seconds old, by one sweeper),
so that no change is lost and none is counted twice. One that dies after removing the owing
token and before the marks leaves marks behind, which count nothing (``rebuild`` clears them).
A redelivered event or a retried request changes no snapshot, so nothing is counted twice.

Settles change a document's bookkeeping outside its version, so a writer's copy of it may be
out of date: a versioned replace carries the bookkeeping as stored and is made only while it
still is (``same_bookkeeping``), and a conditional ``$set`` always sets a fresh pending token
(whether it moved the snapshot is known only once the stored document is read back).
"""
import json
import logging
import time
import uuid
from collections import defaultdict

from pymongo import ASCENDING, DeleteOne, IndexModel, InsertOne, UpdateOne
from pymongo.errors import BulkWriteError

from plumbing.keys import upper_bound
from plumbing.write_errors import refused_as_duplicates

log = logging.getLogger(__name__)

PENDING_FIELD = "derive_pending"
DERIVED_FIELD = "derived_as"
OWING_FIELD = "derive_owing"
OWED_FROM_FIELD = "derive_owed_from"
OWING_SINCE_FIELD = "derive_owing_since"
APPLIED_FIELD = "derive_applied"
DOCUMENT_BOOKKEEPING = (PENDING_FIELD, DERIVED_FIELD, OWING_FIELD, OWED_FROM_FIELD,
                        OWING_SINCE_FIELD)
BOOKKEEPING_FIELDS = (*DOCUMENT_BOOKKEEPING, APPLIED_FIELD)
NOT_OWING = {OWING_FIELD: "", OWED_FROM_FIELD: "", OWING_SINCE_FIELD: ""}
SETTLE_GRACE_SECONDS = 30.0  # far longer than a settle takes: its settler is gone
CLAIM_ATTEMPTS = 25
CLAIM_PAUSE_SECONDS = 0.02
KEY_FIELD = "k"
SWEEP_BATCH = 200
BULK_FLUSH = 20_000
WRITE_BATCH = 5000
EXISTING_BATCH = 2000


def snapshot_text(snapshot):
    return None if snapshot is None else json.dumps(snapshot, sort_keys=True, ensure_ascii=False,
                                                    separators=(",", ":"))


def _snapshot_of(text):
    return None if text is None else json.loads(text)


def new_token():
    return uuid.uuid4().hex


def bookkeeping_of(document):
    """What ``document`` records of its derived data. Settles change it outside the document's
    version: a write of a whole document carries the stored bookkeeping, never a copy's."""
    return {name: document[name] for name in DOCUMENT_BOOKKEEPING if name in document}


def without_bookkeeping(document):
    return {k: v for k, v in document.items() if k not in DOCUMENT_BOOKKEEPING}


def same_bookkeeping(document):
    """A filter matching a stored document while its bookkeeping is still ``document``'s."""
    return {name: document.get(name, {"$exists": False})
            for name in DOCUMENT_BOOKKEEPING}


# --- counters ---------------------------------------------------------------------------------

def difference(before, after):
    """``after - before`` of two contributions, without the fields that did not move."""
    delta: dict = defaultdict(dict)
    for counter in before.keys() | after.keys():
        old, new = before.get(counter, {}), after.get(counter, {})
        for field in old.keys() | new.keys():
            change = new.get(field, 0) - old.get(field, 0)
            if change:
                delta[counter][field] = change
    return dict(delta)


def add_once(collection, delta, token):
    """Adds ``delta`` (``{counter id: {field: number}}``) to its counter documents, except to
    those already holding ``token``'s mark; marks them. The ids of the counters it names."""
    mark = f"{APPLIED_FIELD}.{token}"
    counters = sorted(delta)

    def adding(counter, upsert):
        return UpdateOne({"_id": counter, mark: {"$exists": False}},
                         {"$inc": delta[counter], "$set": {KEY_FIELD: counter, mark: True}},
                         upsert=upsert)
    try:
        collection.bulk_write([adding(c, True) for c in counters], ordered=False)
    except BulkWriteError as exc:  # marked already, or inserted meanwhile by another change
        again = [adding(counters[i], False) for i in sorted(refused_as_duplicates(exc))]
        collection.bulk_write(again, ordered=False)
    return counters


def unmark(collection, counters, token):
    """Takes ``token``'s mark off the counters (one write each: the embedded store reads a
    whole collection for an ``$in``)."""
    unmarking = {"$unset": {f"{APPLIED_FIELD}.{token}": ""}}
    if counters:
        collection.bulk_write([UpdateOne({"_id": c}, unmarking) for c in counters],
                              ordered=False)


def _nested(fields):
    """``{"a.b": 1}`` as the document ``$inc`` would have made: ``{"a": {"b": 1}}``."""
    document: dict = {}
    for name, value in fields.items():
        *parents, last = name.split(".")
        place = document
        for parent in parents:
            place = place.setdefault(parent, {})
        place[last] = value
    return document


def write_in_bulk(collection, operations, client=None):
    """``operations`` in batches of ``WRITE_BATCH``, each in a transaction when ``client``
    is given (the embedded store inserts several times faster in one)."""
    for start in range(0, len(operations), WRITE_BATCH):
        batch = operations[start:start + WRITE_BATCH]
        if client is None:
            collection.bulk_write(batch, ordered=False)
            continue
        with client.start_session() as session, session.start_transaction():
            collection.bulk_write(batch, ordered=False, session=session)


def add_in_bulk(collection, totals, client=None):
    """Adds ``totals`` (``{counter id: {field: number}}``) to the counter documents: those
    that do not exist yet are inserted whole (far cheaper than upserts on the embedded store),
    the others incremented."""
    ids = sorted(totals)
    for start in range(0, len(ids), EXISTING_BATCH):
        chunk = ids[start:start + EXISTING_BATCH]
        existing = {d["_id"] for d in collection.find({"_id": {"$in": chunk}}, {"_id": 1})}
        write_in_bulk(collection, [
            UpdateOne({"_id": c}, {"$inc": totals[c]}) if c in existing else
            InsertOne({"_id": c, KEY_FIELD: c, **_nested(totals[c])}) for c in chunk], client)


def figures_of(counter):
    """A counter document's figures: its fields less its id, its key and its marks."""
    return {k: v for k, v in counter.items() if k not in ("_id", KEY_FIELD, APPLIED_FIELD)}


class Sums:
    """Contributions added up in memory, written as increments (``flush``), or in bulk
    (``flush_in_bulk``: many at once, by a process that alone writes them: loads, rebuilds)."""

    def __init__(self):
        self.totals: dict = defaultdict(lambda: defaultdict(int))

    def add(self, contribution):
        for counter, fields in contribution.items():
            for field, value in fields.items():
                self.totals[counter][field] += value

    def __len__(self):
        return len(self.totals)

    def flush_once(self, collection, token):
        """Adds the sums once for ``token`` (``add_once``): the counters marked."""
        totals = {c: dict(f) for c, f in self.totals.items() if any(f.values())}
        self.totals.clear()
        return add_once(collection, totals, token) if totals else []

    def flush_in_bulk(self, collection, client=None, run=None):
        """Adds the sums in bulk (``add_in_bulk``), through ``run(write)`` when given (a
        loader's writing thread) so that the next sums are made meanwhile."""
        totals = {c: dict(f) for c, f in self.totals.items()}
        self.totals = defaultdict(lambda: defaultdict(int))
        (run or _at_once)(lambda: add_in_bulk(collection, totals, client))


def _at_once(write):
    write()


class _KeyedPart:
    """A derived collection read by its key; ``of(snapshot)`` is what one snapshot adds to it
    (a None snapshot adds nothing). ``apply(db, changes, token)`` makes the writes of
    ``changes`` ((snapshot before, snapshot after) pairs) once for ``token``: the derived
    documents it marked, as (collection, ids) pairs."""

    def __init__(self, collection, of):
        self.collection = collection
        self._derive = of

    def indexes(self):
        return {self.collection: [IndexModel([(KEY_FIELD, ASCENDING)])]}

    def _of(self, snapshot):
        return {} if snapshot is None else self._derive(snapshot)


class Counters(_KeyedPart):
    """Counter documents ``{_id: counter id, k: counter id, <field>: number}``;
    ``of(snapshot)`` is ``{counter id: {field: number}}``."""

    def apply(self, db, changes, token):
        sums = Sums()
        for before, after in changes:
            sums.add(difference(self._of(before), self._of(after)))
        return [(self.collection, sums.flush_once(db[self.collection], token))]

    def clear(self, db):
        db[self.collection].delete_many({})

    def start_bulk(self):
        return Sums()

    def add_to_bulk(self, sums, snapshot, bulk):
        sums.add(self._of(snapshot))
        if len(sums) >= BULK_FLUSH:
            self.finish_bulk(sums, bulk)

    def finish_bulk(self, sums, bulk):
        sums.flush_in_bulk(bulk.db[self.collection], bulk.client, bulk.run)

    def read(self, db, ranges):
        """The counter documents of ``ranges``: (prefix, start, end) of their ids, ``start``
        included, ``end`` excluded (None: to the end of the prefix)."""
        found = []
        for prefix, start, end in ranges:
            high = upper_bound(prefix) if end is None else prefix + end
            found.extend(db[self.collection].find(
                {KEY_FIELD: {"$gte": prefix + start, "$lt": high}}, {APPLIED_FIELD: 0}))
        return found


# --- postings ---------------------------------------------------------------------------------

class Postings(_KeyedPart):
    """Entries ``{_id: "<word>|<document id>", k: <key>}``, one per word of a document, and
    a count of each word's entries (``<collection>_counts``), so that a search reads the
    entries of its rarest word. ``entries(snapshot)`` is ``{entry id: key}``."""

    def __init__(self, collection, entries, word_of):
        super().__init__(collection, entries)
        self.counts = f"{collection}_counts"
        self.word_of = word_of

    def apply(self, db, changes, token):
        """Moves the postings ``changes`` move (writes that may be made twice), and their
        words' counts (once), in one write each."""
        writes: list = []
        counted = Sums()
        for before, after in changes:
            old, new = self._of(before), self._of(after)
            gone = [entry for entry in old if old[entry] != new.get(entry)]
            added = {entry: k for entry, k in new.items() if old.get(entry) != k}
            writes += [DeleteOne({"_id": entry}) for entry in gone]
            writes += [UpdateOne({"_id": entry}, {"$set": {KEY_FIELD: k}}, upsert=True)
                       for entry, k in added.items()]
            counted.add({self.word_of(entry): {"n": -1} for entry in gone if entry not in new})
            counted.add({self.word_of(entry): {"n": 1} for entry in added if entry not in old})
        if writes:
            db[self.collection].bulk_write(writes, ordered=False)
        return [(self.counts, counted.flush_once(db[self.counts], token))]

    def clear(self, db):
        db[self.collection].delete_many({})
        db[self.counts].delete_many({})

    def start_bulk(self):
        return {"entries": [], "counts": Sums()}

    def add_to_bulk(self, state, snapshot, bulk):
        for entry, k in self._of(snapshot).items():
            state["entries"].append(InsertOne({"_id": entry, KEY_FIELD: k}))
            state["counts"].add({self.word_of(entry): {"n": 1}})
        if len(state["entries"]) >= BULK_FLUSH:
            self._write_entries(state, bulk)
        if len(state["counts"]) >= BULK_FLUSH * 10:  # words are few: counted whole at the end
            state["counts"].flush_in_bulk(bulk.db[self.counts], bulk.client, bulk.run)

    def _write_entries(self, state, bulk):
        entries, state["entries"] = state["entries"], []
        bulk.run(lambda: write_in_bulk(bulk.db[self.collection], entries, bulk.client))

    def finish_bulk(self, state, bulk):
        self._write_entries(state, bulk)
        state["counts"].flush_in_bulk(bulk.db[self.counts], bulk.client, bulk.run)

    def word_counts(self, db, words):
        found = {d["_id"]: d.get("n", 0) for d in db[self.counts].find({"_id": {"$in": words}})}
        return {word: found.get(word, 0) for word in words}


# --- the derived data of a collection ---------------------------------------------------------

class Derived:
    def __init__(self, snapshot, *parts):
        self.snapshot = snapshot
        self.parts = parts

    def indexes(self):
        indexes: dict = {}
        for part in self.parts:
            for name, models in part.indexes().items():
                indexes.setdefault(name, []).extend(models)
        return indexes

    def derived_as(self, document):
        """The snapshot text of ``document`` as it stands."""
        return snapshot_text(self.snapshot(document))

    def marked(self, document):
        """``document`` with a pending token when its snapshot is not the one it was derived
        as (a write of it then owes the parts their writes)."""
        kept = {k: v for k, v in document.items() if k != PENDING_FIELD}
        if self.derived_as(document) == document.get(DERIVED_FIELD):
            return kept
        return {**kept, PENDING_FIELD: new_token()}

    def as_new(self, document):
        """``document`` derived as it is (an insert makes it ``owing`` its parts' writes; a
        bulk load makes them with a ``Bulk``)."""
        kept = {k: v for k, v in document.items() if k != PENDING_FIELD}
        return {**kept, DERIVED_FIELD: self.derived_as(document)}

    @staticmethod
    def owing(document, token):
        """New ``document`` owing its parts the writes of its whole snapshot, under ``token``
        (one per batch of inserts: ``inserted`` follows)."""
        return {**document, OWING_FIELD: token, OWING_SINCE_FIELD: time.time()}

    def inserted(self, db, collection, documents, token):
        """The parts' writes of newly inserted documents owing under ``token``."""
        if documents:
            self._pay(db, collection, token, {d["_id"]: (None, d[DERIVED_FIELD])
                                              for d in documents})

    def settle(self, db, collection, document):
        """Makes the parts' writes that ``document``'s pending write owes, once: whether this
        settle claimed them."""
        token = document.get(PENDING_FIELD)
        if token is None:
            return False
        before, after = document.get(DERIVED_FIELD), self.derived_as(document)
        if not self._claim(db[collection], document["_id"], token, before, after):
            return False
        self._pay(db, collection, token, {document["_id"]: (before, after)})
        return True

    @staticmethod
    def _claim(store, document_id, token, before, after):
        """Moves the pending ``token`` to owing, waiting a moment while another change of the
        document is being paid; whether it did (False: a newer write holds the document, or
        the other change is left to the sweep)."""
        for _ in range(CLAIM_ATTEMPTS):
            claimed = store.update_one(
                {"_id": document_id, PENDING_FIELD: token, OWING_FIELD: {"$exists": False}},
                {"$set": {DERIVED_FIELD: after, OWING_FIELD: token, OWED_FROM_FIELD: before,
                          OWING_SINCE_FIELD: time.time()}, "$unset": {PENDING_FIELD: ""}})
            if claimed.modified_count == 1:
                return True
            now = store.find_one({"_id": document_id}, {PENDING_FIELD: 1, OWING_FIELD: 1})
            if now is None or now.get(PENDING_FIELD) != token:
                return False
            if OWING_FIELD in now:
                time.sleep(CLAIM_PAUSE_SECONDS)
        return False

    def _pay(self, db, collection, token, changes):
        """The parts' writes of ``changes`` ({document id: snapshot texts before and after})
        once for ``token``; then those documents owe nothing, and the marks go (one write per
        document: the embedded store reads a whole collection for an ``update_many``)."""
        marked = []
        for part in self.parts:
            marked += part.apply(db, [(_snapshot_of(b), _snapshot_of(a))
                                      for b, a in changes.values()], token)
        db[collection].bulk_write([UpdateOne({"_id": document_id, OWING_FIELD: token},
                                             {"$unset": NOT_OWING})
                                   for document_id in changes], ordered=False)
        for name, counters in marked:
            unmark(db[name], counters, token)

    def settle_pending(self, db, collection, limit=SWEEP_BATCH, grace=SETTLE_GRACE_SECONDS):
        """Finishes the changes owed for ``grace`` seconds (their settler died while paying
        them), then settles the writes whose process died before settling them; how many it
        did."""
        return self._finish_owed(db, collection, limit, grace) + sum(
            1 for document in list(db[collection].find({PENDING_FIELD: {"$gte": ""}},
                                                       {"outbox": 0}).limit(limit))
            if self.settle(db, collection, document))

    def _finish_owed(self, db, collection, limit, grace):
        store, cutoff = db[collection], time.time() - grace
        stale = store.find({OWING_SINCE_FIELD: {"$lt": cutoff}},
                           {OWING_FIELD: 1}).limit(limit)
        finished = 0
        for token in {d[OWING_FIELD] for d in stale if OWING_FIELD in d}:
            owing = list(store.find({OWING_FIELD: token}, {"outbox": 0}))
            if owing and self._take_over(store, token, min(d["_id"] for d in owing), cutoff):
                self._pay(db, collection, token, {d["_id"]: (d.get(OWED_FROM_FIELD),
                                                             d[DERIVED_FIELD]) for d in owing})
                finished += len(owing)
        return finished

    @staticmethod
    def _take_over(store, token, first_id, cutoff):
        """Whether this sweeper is the one to finish ``token`` (of several, one wins the
        token's first document)."""
        return store.update_one(
            {"_id": first_id, OWING_FIELD: token, OWING_SINCE_FIELD: {"$lt": cutoff}},
            {"$set": {OWING_SINCE_FIELD: time.time()}}).modified_count == 1

    def bulk(self, db, client=None, run=None):
        """Adds the derived data of documents stored in bulk (``add``), in a few large writes
        (when it has grown, at ``flush`` and at ``finish``), in transactions when ``client`` is
        given, each through ``run(write)`` when given."""
        return Bulk(self, db, client, run)

    def rebuild(self, db, collection):
        """Derives every document again from scratch (with the service stopped): each part
        rewritten, each document's ``derived_as`` set to its snapshot now, nothing owed."""
        for part in self.parts:
            part.clear(db)
        bulk, store = self.bulk(db), db[collection]
        for document in store.find({}, {"outbox": 0}):
            text = bulk.add(document)
            if (document.get(DERIVED_FIELD) != text or PENDING_FIELD in document
                    or OWING_FIELD in document):
                store.update_one({"_id": document["_id"]},
                                 {"$set": {DERIVED_FIELD: text},
                                  "$unset": {PENDING_FIELD: "", **NOT_OWING}})
        bulk.finish()


class Bulk:
    """The derived data of many documents, added up in memory and written in large batches."""

    def __init__(self, derived, db, client=None, run=None):
        self.derived, self.db, self.client, self.run = derived, db, client, run or _at_once
        self.states = [part.start_bulk() for part in derived.parts]

    def add(self, document):
        """Adds ``document``'s derived data; the snapshot text it is derived as."""
        text = self.derived.derived_as(document)
        for part, state in zip(self.derived.parts, self.states):
            part.add_to_bulk(state, _snapshot_of(text), self)
        return text

    def flush(self):
        """Writes what was added so far (a loader of documents in time order flushes at each
        new month, so that every counter it writes is new and inserted whole)."""
        for part, state in zip(self.derived.parts, self.states):
            part.finish_bulk(state, self)

    finish = flush


def pending_indexes():
    """The indexes the sweep reads a collection with derived data by."""
    return [IndexModel([(PENDING_FIELD, ASCENDING)], sparse=True),
            IndexModel([(OWING_FIELD, ASCENDING)], sparse=True),
            IndexModel([(OWING_SINCE_FIELD, ASCENDING)], sparse=True)]
