"""Lists of API.md (``{"items": [...], "next_cursor": "..." | null}``) paged by key.

A list is one or more ranges of a composite key field (``plumbing.keys``), read in key order;
ranges of one list share what follows their prefixes (the *suffix*: a time and an id, or a
region, a name and an id), and are merged on it. The cursor is the suffix of the last item
shown, so the next page starts right after it, with no skip: every item is seen exactly once
while the keys do not change, however many items share a second. A cursor is only ever read
inside the ranges the caller's scope made, so no cursor can reach beyond them.

Filters a key does not hold are applied to what the ranges return (``accept``), within a
budget of ``SCAN_BUDGET`` documents a page: a page may then hold fewer than ``limit`` items
and still have a ``next_cursor``.
"""
import base64
import binascii
import heapq
from dataclasses import dataclass

from plumbing.errors import invalid
from plumbing.keys import prefix, upper_bound

MAX_LIMIT = 100
DUE_BATCH = 500
SCAN_BUDGET = 1000
MAX_CURSOR_BYTES = 360
CURSOR_FORMAT = "k1:"  # what a cursor of these lists starts with, before its suffix


@dataclass(frozen=True)
class KeyRange:
    """Keys of ``field`` that start with ``prefix``, with suffixes from ``start`` (included)
    to ``end`` (excluded; None: no end)."""
    field: str
    prefix: str
    start: str = ""
    end: str | None = None

    def query(self):
        """The Mongo filter of the whole range."""
        high = upper_bound(self.prefix)
        if self.end is not None:
            high = min(high, self.prefix + self.end)
        return {self.field: {"$gte": self.prefix + self.start, "$lt": high}}


def encode_cursor(suffix):
    raw = (CURSOR_FORMAT + suffix).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """The suffix a cursor carries; 422 for anything these lists did not make."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        text = raw.decode("utf-8")
        if len(raw) > MAX_CURSOR_BYTES or not text.startswith(CURSOR_FORMAT) or \
                not text[len(CURSOR_FORMAT):].isprintable():
            raise ValueError("not one of ours")
        return text[len(CURSOR_FORMAT):]
    except (ValueError, TypeError, AttributeError, binascii.Error):
        raise invalid({"cursor": ["not a valid cursor"]}) from None


def clamped(limit, most=MAX_LIMIT):
    return max(1, min(int(limit), most))


def page_by_key(collection, ranges, cursor=None, limit=20, *, descending=True, accept=None,
                projection=None, resolve=None, max_limit=MAX_LIMIT):
    """One page of the documents in ``ranges`` (KeyRange), in suffix order (newest first when
    ``descending``), starting after ``cursor``, keeping those ``accept(document)`` takes.
    ``resolve(documents)`` turns each batch read into the documents it stands for (entries
    of another collection's documents; None for one that is gone), in the same order. Pages
    of internal walks may be longer than a client's (``max_limit``)."""
    limit = clamped(limit, max_limit)
    after = decode_cursor(cursor) if cursor else None
    budget = max(SCAN_BUDGET, limit + 1)
    batch = limit + 1 if accept is None else min(budget, 4 * (limit + 1))
    # merged ranges share the page: each reads its share first, more only if it gets taken
    first = batch if len(ranges) < 2 else min(batch, -(-(limit + 1) // len(ranges)) + 1)
    readers = [_read(collection, r, after, (first, batch), descending, projection, resolve)
               for r in ranges]
    taken: list = []
    seen, scanned, last = set(), 0, None
    for suffix, document in heapq.merge(*readers, key=lambda item: item[0],
                                        reverse=descending):
        scanned, last = scanned + 1, suffix
        if document is None or document["_id"] in seen or (
                accept is not None and not accept(document)):
            if scanned >= budget:
                return [d for _, d in taken], encode_cursor(last)
            continue
        seen.add(document["_id"])
        taken.append((suffix, document))
        if len(taken) > limit:
            return [d for _, d in taken[:limit]], encode_cursor(taken[limit - 1][0])
        if scanned >= budget:
            return [d for _, d in taken], encode_cursor(last)
    return [d for _, d in taken], None


def due(collection, field, until, limit=DUE_BATCH, projection=None):
    """What a schedule has to do: the documents whose key ``field`` (``<field>|<time>|…``)
    holds a time before ``until`` (up to it, when ``until`` ends with ``}``), earliest first,
    ``limit`` of them."""
    found = KeyRange(field, prefix(field), end=until).query()
    return list(collection.find(found, projection).sort(field, 1).limit(limit))


def _read(collection, key_range, after, sizes, descending, projection, resolve):
    """(suffix, document) of one range in order, fetched in batches from ``sizes[0]``
    documents doubling up to ``sizes[1]``."""
    field, start = key_range.field, key_range.prefix
    low, high = start + key_range.start, upper_bound(start)
    if key_range.end is not None:
        high = min(high, start + key_range.end)
    low_op = "$gte"
    if after is not None:
        if descending:
            high = min(high, start + after)
        elif start + after >= low:
            low, low_op = start + after, "$gt"
    if projection and all(projection.values()):
        projection = {**projection, field: 1}
    size, most = sizes
    while low < high:
        found = list(collection.find({field: {low_op: low, "$lt": high}}, projection)
                     .sort(field, -1 if descending else 1).limit(size))
        documents = found if resolve is None else resolve(found)
        for entry, document in zip(found, documents):
            yield entry[field][len(start):], document
        if len(found) < size:
            return
        if descending:
            high = found[-1][field]
        else:
            low, low_op = found[-1][field], "$gt"
        size = min(most, 2 * size)
