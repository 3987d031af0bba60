"""Key-ordered pages: every item once, in order, within the ranges the caller's scope made."""
import base64

import pytest

from plumbing.errors import DomainError
from plumbing.keys import key, prefix
from plumbing.pagination import (
    MAX_LIMIT,
    SCAN_BUDGET,
    KeyRange,
    decode_cursor,
    encode_cursor,
    page_by_key,
)


class RangeCollection:
    """The subset of a collection ``page_by_key`` uses (one-field range, sort, limit), over a
    list in memory; records every query."""

    def __init__(self, documents):
        self.documents = documents
        self.queries, self.limits = [], []

    def find(self, query, projection=None):
        (field, bounds), = query.items()
        self.queries.append((field, dict(bounds)))
        matching = [d for d in self.documents if field in d and _within(d[field], bounds)]
        return _Cursor(self, matching)


class _Cursor:
    def __init__(self, collection, documents):
        self.collection, self.documents = collection, documents

    def sort(self, field, direction):
        self.documents = sorted(self.documents, key=lambda d: d[field], reverse=direction < 0)
        return self

    def limit(self, n):
        self.collection.limits.append(n)
        return iter(self.documents[:n])


def _within(value, bounds):
    checks = {"$gte": value.__ge__, "$gt": value.__gt__, "$lt": value.__lt__}
    return all(checks[op](bound) for op, bound in bounds.items())


def inbox(owner, n, second="2026-11-21T08:00:00"):
    """``n`` messages of one owner within the same second."""
    return [{"_id": f"{owner}-{i:03d}",
             "k": key("u", owner, f"{second}.{i:06d}Z", f"{owner}-{i:03d}")} for i in range(n)]


def walk(collection, ranges, limit, **options):
    pages, cursor = [], None
    while True:
        page, cursor = page_by_key(collection, ranges, cursor, limit, **options)
        pages.append([d["_id"] for d in page])
        if cursor is None:
            return pages


@pytest.mark.parametrize("limit", [1, 2, 7, 25, 100])
def test_a_walk_sees_every_item_once_newest_first(limit):
    documents = inbox("alice", 25) + inbox("bob", 10)
    pages = walk(RangeCollection(documents), [KeyRange("k", prefix("u", "alice"))], limit)
    seen = [i for page in pages for i in page]
    assert seen == [f"alice-{i:03d}" for i in reversed(range(25))]
    assert all(len(page) == limit for page in pages[:-1]) and pages[-1]


def test_ascending_walks_oldest_first():
    pages = walk(RangeCollection(inbox("alice", 5)), [KeyRange("k", prefix("u", "alice"))], 2,
                 descending=False)
    assert [i for page in pages for i in page] == [f"alice-{i:03d}" for i in range(5)]


def test_ranges_merge_on_their_suffix():
    documents = [{"_id": name, "k": key(tag, owner, at, name)} for tag, owner, at, name in [
        ("u", "alice", "2026-11-21T08:00:03.000000Z", "own-3"),
        ("g4", "3301", "2026-11-21T08:00:02.000000Z", "region-2"),
        ("u", "alice", "2026-11-21T08:00:01.000000Z", "own-1"),
        ("g4", "3301", "2026-11-21T08:00:04.000000Z", "region-4"),
        ("g4", "3302", "2026-11-21T08:00:05.000000Z", "elsewhere")]]
    ranges = [KeyRange("k", prefix("u", "alice")), KeyRange("k", prefix("g4", "3301"))]
    assert walk(RangeCollection(documents), ranges, 3) == [["region-4", "own-3", "region-2"],
                                                          ["own-1"]]


def test_a_last_full_page_has_no_cursor():
    page, cursor = page_by_key(RangeCollection(inbox("a", 4)), [KeyRange("k", prefix("u", "a"))],
                               None, 4)
    assert len(page) == 4 and cursor is None


def test_start_and_end_bound_the_suffix():
    documents = [{"_id": day, "k": key("c", "alice", f"2026-11-{day}T08:00:00.000000Z", day)}
                 for day in ("19", "20", "21", "22")]
    period = KeyRange("k", prefix("c", "alice"), start="2026-11-20", end="2026-11-22")
    assert walk(RangeCollection(documents), [period], 10) == [["21", "20"]]


def test_accept_filters_within_a_budget_and_says_where_it_stopped():
    documents = [{"_id": f"m{i:05d}", "k": key("u", "a", f"{i:05d}"), "wanted": i % 700 == 0}
                 for i in range(3 * SCAN_BUDGET)]
    collection = RangeCollection(documents)
    first, cursor = page_by_key(collection, [KeyRange("k", prefix("u", "a"))], None, 10,
                                accept=lambda d: d["wanted"])
    assert [d["_id"] for d in first] == ["m02800", "m02100"]
    assert cursor is not None and len(first) < 10
    pages = walk(collection, [KeyRange("k", prefix("u", "a"))], 10, accept=lambda d: d["wanted"])
    assert [i for page in pages for i in page] == ["m02800", "m02100", "m01400", "m00700",
                                                    "m00000"]


def test_a_cursor_cannot_leave_the_callers_range():
    documents = inbox("alice", 3) + inbox("mallory", 3)
    collection = RangeCollection(documents)
    forged = encode_cursor("~~~~")  # above every key of every owner
    page, _ = page_by_key(collection, [KeyRange("k", prefix("u", "alice"))], forged, 10)
    assert {d["_id"].split("-")[0] for d in page} == {"alice"}
    for _, bounds in collection.queries:
        assert bounds["$lt"] <= prefix("u", "alice")[:-1] + "}"


def test_a_value_holding_the_separator_stays_in_its_part():
    documents = [{"_id": "1", "k": key("u", "a|b", "x")}, {"_id": "2", "k": key("u", "a", "b|x")}]
    pages = walk(RangeCollection(documents), [KeyRange("k", prefix("u", "a"))], 10)
    assert pages == [["2"]]


@pytest.mark.parametrize("asked, fetched", [(0, 2), (-5, 2), (20, 21), (10 ** 6, MAX_LIMIT + 1)])
def test_limit_is_clamped_to_1_to_max(asked, fetched):
    collection = RangeCollection([])
    page_by_key(collection, [KeyRange("k", prefix("u", "a"))], None, asked)
    assert collection.limits == [fetched]


def test_tags_start_with_a_letter():
    with pytest.raises(ValueError):
        key("2026", "x")


@pytest.mark.parametrize("suffix", ["2026-11-21T08:00:00.000000Z|e1", "放心|消费", "a" * 300])
def test_cursors_round_trip(suffix):
    assert decode_cursor(encode_cursor(suffix)) == suffix


def test_cursors_are_url_safe_without_padding():
    cursor = encode_cursor("\xff\xfe>>>???")
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("cursor", [
    "", "not base64 at all!", "%%%%", "a", base64.urlsafe_b64encode(b"\x80\x81\x82").decode(),
    base64.urlsafe_b64encode(b"x" * 400).decode(), None, 42, ["x"],
])
def test_garbage_cursors_are_422_validation_errors(cursor):
    with pytest.raises(DomainError) as caught:
        decode_cursor(cursor)
    assert (caught.value.status, caught.value.code) == (422, "VALIDATION_ERROR")
    assert "cursor" in caught.value.details


def test_no_key_reads_as_a_date_to_the_embedded_store():
    """The embedded store rewrites a comparison with a value that starts like a date into
    SQLite ``datetime()`` over every document: every key starts with its tag."""
    from neosqlite.collection.datetime_utils import is_datetime_value

    from services.complaints import listing as complaints
    from services.coupons import listing as coupons
    from services.notifications import listing as notifications
    from services.registry import listing as registry

    at = "2026-11-21T08:00:00.000000Z"
    documents = [
        complaints.keys_of({"_id": "c", "filed_at": at, "status": "forwarded", "region": "330106",
                            "merchant_id": "2026-01-01", "consumer": "2026-01-01T00:00:00",
                            "public_consent": True, "deadline_at": at}),
        registry.keys_of({"_id": "m", "region": "330106", "name": "2026-01-01 店",
                          "created_at": at, "status": "certified", "pool": "cultivation",
                          "industry": "catering", "unit_type": "store",
                          "location": {"lng": 120.1, "lat": 30.2},
                          "licences": [{"valid_until": "2030-01-01"}]}),
        coupons.coupon_keys({"_id": "x", "consumer": "c", "claimed_at": at, "expires_at": at,
                             "status": "active"}),
        notifications.message_keys({"_id": "n", "recipient": "region:330106",
                                    "created_at": at}),
    ]
    keys = [value for document in documents for value in document.values() if value]
    assert keys and not any(is_datetime_value(value) for value in keys)
    assert not is_datetime_value(prefix("k_due") + at)


def test_merged_ranges_read_their_share_of_a_page_first():
    """Eight statuses' ranges for a page of 20: each reads a few first, and more only while
    it is the one being taken from."""
    documents = [{"_id": f"{s}{i:03d}", "k": key("s", s, f"{i:03d}{s}")}
                 for s in "abcdefgh" for i in range(50)]
    collection = RangeCollection(documents)
    ranges = [KeyRange("k", prefix("s", s)) for s in "abcdefgh"]
    page, cursor = page_by_key(collection, ranges, None, 20)
    assert [d["_id"] for d in page] == [f"{s}049" for s in "hgfedcba"] + [
        f"{s}048" for s in "hgfedcba"] + [f"{s}047" for s in "hgfe"]
    assert collection.limits[:8] == [4] * 8 and sum(collection.limits) < 8 * 21
    assert walk(collection, ranges, 20)[0][:3] == ["h049", "g049", "f049"]
