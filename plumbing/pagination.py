"""Cursor pagination of API.md: ``{"items": [...], "next_cursor": "..." | null}``.

The cursor is the opaque (sort value, _id) of the last item shown; pages are newest first.
"""
import base64
import binascii
import json

from plumbing.errors import invalid

MAX_LIMIT = 100


def encode_cursor(sort_value, document_id):
    raw = json.dumps([sort_value, document_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        sort_value, document_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise invalid({"cursor": ["not a valid cursor"]}) from None
    if not (isinstance(sort_value, str) and isinstance(document_id, str)):
        raise invalid({"cursor": ["not a valid cursor"]})
    return sort_value, document_id


def offset_cursor(offset):
    """An opaque cursor for lists ordered by something other than time (search, distance)."""
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def offset_of(cursor):
    if not cursor:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, binascii.Error):
        raise invalid({"cursor": ["not a valid cursor"]}) from None
    if offset < 0:
        raise invalid({"cursor": ["not a valid cursor"]})
    return offset


def newest_first(collection, query, sort_field, cursor=None, limit=20, projection=None):
    """One page of ``collection`` matching ``query``, by ``sort_field`` then ``_id``, descending."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    if cursor:
        value, last_id = decode_cursor(cursor)
        query = {"$and": [query, {"$or": [{sort_field: {"$lt": value}},
                                          {sort_field: value, "_id": {"$lt": last_id}}]}]}
    documents = list(collection.find(query, projection)
                     .sort([(sort_field, -1), ("_id", -1)]).limit(limit + 1))
    next_cursor = None
    if len(documents) > limit:
        documents = documents[:limit]
        last = documents[-1]
        next_cursor = encode_cursor(last[sort_field], last["_id"])
    return documents, next_cursor
