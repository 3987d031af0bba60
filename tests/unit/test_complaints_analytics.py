"""Figures checked against numbers worked out by hand in each test."""
import hashlib

import pytest

from services.complaints import analytics
from services.complaints.analytics import detect_hotspots, merchants_over_threshold

NOW = "2026-11-21T08:00:00.000000Z"
HOUR = 3600


def complaint(_id, **fields):
    """A stored complaint, just filed and forwarded, with ``fields`` changed."""
    document = {
        "_id": _id, "consumer": "consumer-sub-7f3a", "merchant_id": "m1",
        "merchant_name": "湖滨小吃店", "region": "330106", "industry": "catering",
        "store_code": None, "category": "quality", "title": "菜不新鲜",
        "description": "点的鱼不新鲜", "amount_fen": 12800, "occurred_on": "2026-11-20",
        "evidence_urls": ["https://evidence.example/p/secret-photo.jpg"],
        "contact_phone": "13912345678", "public_consent": True, "status": "forwarded",
        "closing": None, "timely": None, "filed_at": "2026-11-21T07:00:00.000000Z",
        "forwarded_at": None, "deadline_at": None, "responded_at": None, "response": None,
        "mediation_deadline_at": None, "amount_recovered_fen": 0, "closed_at": None,
        "satisfaction": None,
    }
    document.update(fields)
    return document


def closed(_id, closing, **fields):
    return complaint(_id, status="closed", closing=closing, **fields)


def answered_after(seconds_and_micros):
    """forwarded_at and responded_at that far apart (seconds, microseconds)."""
    seconds, micros = seconds_and_micros
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return {"forwarded_at": "2026-11-20T00:00:00.000000Z",
            "responded_at": f"2026-11-20T{hours:02d}:{minutes:02d}:{secs:02d}.{micros:06d}Z"}


# --- hot spots --------------------------------------------------------------------------------

CURRENT = "2026-11-21T07:30:00.000000Z"            # in (07:00, 08:00]
PREVIOUS = "2026-11-21T06:30:00.000000Z"           # in (06:00, 07:00]


def filed(prefix, count, at, **group):
    return [complaint(f"{prefix}{i}", filed_at=at, **group) for i in range(count)]


def expected_id(region, industry, category, window_end):
    key = f"{region}|{industry}|{category}|{window_end}".encode()
    return hashlib.sha1(key).hexdigest()[:16]


def test_hot_spots_against_counts_worked_out_by_hand():
    quality = {"region": "330106", "industry": "catering", "category": "quality"}
    price = {"region": "330106", "industry": "catering", "category": "price"}
    steady = {"region": "330102", "industry": "retail", "category": "quality"}
    lonely = {"region": "330105", "industry": "retail", "category": "safety"}
    documents = (filed("q", 5, CURRENT, **quality) + filed("qp", 2, PREVIOUS, **quality)
                 + filed("p", 3, CURRENT, **price, status="flagged")
                 + filed("s", 4, CURRENT, **steady) + filed("sp", 4, PREVIOUS, **steady)
                 + filed("l", 1, CURRENT, **lonely))
    hotspots = detect_hotspots(documents, NOW, HOUR, min_count=3, min_growth=0.5)
    # quality: 5 now, 2 before → (5 − 2) / 2 = 1.5; price (all flagged, still counted): 3 now,
    # 0 before → 3 / 1 = 3.0; steady: growth 0; lonely: 1 < 3
    window = {"window_start": "2026-11-21T07:00:00.000000Z", "window_end": NOW}
    assert hotspots == [
        {"hotspot_id": expected_id("330106", "catering", "quality", NOW), **quality,
         "count": 5, "previous_count": 2, "growth": 1.5, **window},
        {"hotspot_id": expected_id("330106", "catering", "price", NOW), **price,
         "count": 3, "previous_count": 0, "growth": 3.0, **window},
    ]


@pytest.mark.parametrize("filed_at, counts", [
    ("2026-11-21T08:00:00.000000Z", [(1, 0)]),          # exactly now: current
    ("2026-11-21T07:00:00.000001Z", [(1, 0)]),
    ("2026-11-21T07:00:00.000000Z", [(0, 1)]),          # exactly now − window: previous
    ("2026-11-21T06:00:00.000001Z", [(0, 1)]),
    ("2026-11-21T06:00:00.000000Z", []),                # exactly now − 2·window: neither
    ("2026-11-21T08:00:00.000001Z", []),                # after now: neither
])
def test_window_boundaries(filed_at, counts):
    hotspots = detect_hotspots([complaint("a", filed_at=filed_at)], NOW, HOUR,
                               min_count=0, min_growth=-1)
    assert [(h["count"], h["previous_count"]) for h in hotspots] == counts


@pytest.mark.parametrize("current, previous, min_growth, hot, growth", [
    (3, 2, 0.5, True, 0.5),          # growth exactly at the threshold
    (32, 25, 0.28, True, 0.28),      # 0.28 · 25 is 7.000000000000001 in floats; 7 / 25 is 0.28
    (3, 3, 0.01, False, None),
    (5, 3, 0.6, True, 0.67),         # 2 / 3 rounded half up to 2 decimals
    (4, 0, 3.0, True, 4.0),          # nothing before: growth over 1
    (2, 0, 0.0, False, None),        # below min_count 3
])
def test_growth_threshold(current, previous, min_growth, hot, growth):
    documents = filed("c", current, CURRENT) + filed("p", previous, PREVIOUS)
    hotspots = detect_hotspots(documents, NOW, HOUR, min_count=3, min_growth=min_growth)
    assert [h["growth"] for h in hotspots] == ([growth] if hot else [])


def test_hot_spots_are_sorted_by_count_then_group():
    documents = (filed("a", 3, CURRENT, region="330106", category="service")
                 + filed("b", 3, CURRENT, region="330102", category="service")
                 + filed("c", 3, CURRENT, region="330102", category="price")
                 + filed("d", 4, CURRENT, region="330110", category="quality"))
    hotspots = detect_hotspots(documents, NOW, HOUR, min_count=3, min_growth=0)
    assert [(h["region"], h["category"]) for h in hotspots] == [
        ("330110", "quality"), ("330102", "price"), ("330102", "service"), ("330106", "service")]


def test_the_same_scan_gives_the_same_ids_and_a_later_one_new_ids():
    documents = filed("c", 3, CURRENT)
    first = detect_hotspots(documents, NOW, HOUR, 3, 0)
    again = detect_hotspots(documents, "2026-11-21T08:00:00Z", HOUR, 3, 0)   # not fixed-width
    later = detect_hotspots(documents, "2026-11-21T08:01:00.000000Z", HOUR, 3, 0)
    assert first == again
    assert first[0]["hotspot_id"] != later[0]["hotspot_id"]


def test_no_complaints_no_hot_spots():
    assert detect_hotspots([], NOW, HOUR, 1, 0) == []


# --- merchants over the threshold -------------------------------------------------------------

def test_merchants_at_or_over_the_threshold_in_the_window():
    documents = (filed("a", 3, CURRENT, merchant_id="m-b")
                 + filed("b", 2, CURRENT, merchant_id="m-a")
                 + filed("c", 1, "2026-11-21T07:00:00.000000Z", merchant_id="m-a")  # outside
                 + filed("d", 4, CURRENT, merchant_id="m-c", status="flagged")
                 + filed("e", 2, CURRENT, merchant_id="m-d")
                 + filed("f", 1, CURRENT, merchant_id="m-d", status="closed", closing="rejected")
                 + filed("g", 1, CURRENT, merchant_id="m-a", status="closed", closing="withdrawn")
                 + filed("h", 1, NOW, merchant_id="m-e")
                 + filed("i", 2, CURRENT, merchant_id="m-e"))
    over = merchants_over_threshold(documents, NOW, HOUR, threshold=3)
    # m-a: 2 + 1 withdrawn = 3; m-b: 3; m-c: flagged only; m-d: 2 and a rejected one;
    # m-e: 2 + one exactly at now = 3
    window = {"window_start": "2026-11-21T07:00:00.000000Z", "window_end": NOW}
    assert over == [{"merchant_id": "m-a", "count": 3, **window},
                    {"merchant_id": "m-b", "count": 3, **window},
                    {"merchant_id": "m-e", "count": 3, **window}]


def test_no_merchant_over_the_threshold():
    assert merchants_over_threshold(filed("a", 2, CURRENT), NOW, HOUR, threshold=3) == []


def test_the_merchants_public_reply_is_published_masked_like_the_summary():
    replied = {**complaint("r1"), "public_reply": {
        "text": "已联系王先生，电话13812345678，已退款", "at": "2026-11-21T09:00:00.000000Z"}}
    shown = analytics.public_summary(replied)["merchant_reply"]
    assert "13812345678" not in shown["text"] and "王先生" not in shown["text"]
    assert shown["at"] == "2026-11-21T09:00:00.000000Z"
    assert analytics.public_summary(complaint("r2"))["merchant_reply"] is None
