import base64
import json

import pytest

from plumbing.errors import DomainError
from plumbing.pagination import MAX_LIMIT, decode_cursor, encode_cursor, newest_first


def cursor_of(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("sort_value, document_id", [
    ("2026-11-21T08:00:00.000000Z", "e1:merchant:m-1:inbox"),
    ("", ""),
    ("放心消费", "id/with+odd?chars=&"),
    ("a", "b" * 500),
])
def test_round_trip(sort_value, document_id):
    assert decode_cursor(encode_cursor(sort_value, document_id)) == (sort_value, document_id)


def test_cursor_is_url_safe_without_padding():
    cursor = encode_cursor("2026-11-21T08:00:00.000000Z", "\xff\xfe>>>???")
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("cursor", [
    "",
    "not base64 at all!",
    "%%%%",
    "a",
    cursor_of(b"not json"),
    cursor_of(b"\x80\x81\x82"),
    cursor_of(json.dumps([{"$gt": ""}, "x"]).encode()),
    cursor_of(json.dumps(["x", {"$ne": None}]).encode()),
    cursor_of(json.dumps([1, 2]).encode()),
    cursor_of(json.dumps([None, "x"]).encode()),
    cursor_of(json.dumps(["only-one"]).encode()),
    cursor_of(json.dumps(["a", "b", "c"]).encode()),
    cursor_of(json.dumps(None).encode()),
    cursor_of(json.dumps(42).encode()),
    None,
    42,
])
def test_garbage_cursors_are_422_validation_errors(cursor):
    with pytest.raises(DomainError) as caught:
        decode_cursor(cursor)
    assert (caught.value.status, caught.value.code) == (422, "VALIDATION_ERROR")
    assert "cursor" in caught.value.details


class FakeCollection:
    """Records the query newest_first builds and serves ``documents`` as they are."""

    def __init__(self, documents):
        self.documents = documents

    def find(self, query, projection=None):
        self.query = query
        return self

    def sort(self, keys):
        self.sort_keys = keys
        return self

    def limit(self, n):
        self.limit_n = n
        return self.documents[:n]


def docs(n):
    return [{"_id": f"id{i}", "created_at": f"2026-11-{30 - i:02d}"} for i in range(n)]


def test_full_page_with_more_gives_a_cursor_to_its_last_item():
    page, cursor = newest_first(FakeCollection(docs(3)), {}, "created_at", limit=2)
    assert [d["_id"] for d in page] == ["id0", "id1"]
    assert decode_cursor(cursor) == ("2026-11-29", "id1")


def test_last_page_has_no_cursor():
    page, cursor = newest_first(FakeCollection(docs(2)), {}, "created_at", limit=2)
    assert len(page) == 2 and cursor is None


@pytest.mark.parametrize("asked, fetched", [(0, 2), (-5, 2), (20, 21), (10 ** 6, MAX_LIMIT + 1)])
def test_limit_is_clamped_to_1_to_max(asked, fetched):
    collection = FakeCollection([])
    newest_first(collection, {}, "created_at", limit=asked)
    assert collection.limit_n == fetched


def test_cursor_continues_after_the_last_item_newest_first():
    collection = FakeCollection([])
    newest_first(collection, {"recipient": "user:u1"}, "created_at",
                 cursor=encode_cursor("2026-11-29", "id1"))
    assert collection.sort_keys == [("created_at", -1), ("_id", -1)]
    assert collection.query == {"$and": [{"recipient": "user:u1"}, {"$or": [
        {"created_at": {"$lt": "2026-11-29"}},
        {"created_at": "2026-11-29", "_id": {"$lt": "id1"}}]}]}


@pytest.mark.parametrize("offset", [0, 20, 12345])
def test_offset_cursors_round_trip(offset):
    from plumbing.pagination import offset_cursor, offset_of

    assert offset_of(offset_cursor(offset)) == offset


@pytest.mark.parametrize("cursor", ["!!!", "LTU", "eA"])  # not base64, "-5", "x"
def test_bad_offset_cursors_are_422(cursor):
    from plumbing.errors import DomainError
    from plumbing.pagination import offset_of

    with pytest.raises(DomainError) as caught:
        offset_of(cursor)
    assert (caught.value.status, caught.value.code) == (422, "VALIDATION_ERROR")
