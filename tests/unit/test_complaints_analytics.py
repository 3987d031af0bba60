"""Figures checked against numbers worked out by hand in each test."""
import hashlib
import json

import pytest

from services.complaints.analytics import (
    detect_hotspots, merchants_over_threshold, public_disclosure, regulator_statistics)

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


# --- regulator statistics ---------------------------------------------------------------------

def statistics_fixture():
    price = {"category": "price"}
    return [
        # quality: 4 complaints, 3 closed (2 resolved, 1 unresolved), 1 flagged
        closed("q1", "resolved_monetary", amount_recovered_fen=5000, satisfaction=5,
               **answered_after((600, 0))),
        closed("q2", "resolved_non_monetary", satisfaction=4, **answered_after((3600, 0))),
        closed("q3", "unresolved", satisfaction=2, **answered_after((0, 250000))),
        complaint("q4", status="flagged"),
        # price: 4 complaints, all closed (withdrawn, rejected, unresolved, resolved)
        closed("p1", "withdrawn", **price),
        closed("p2", "rejected", **price),
        closed("p3", "unresolved", **price, **answered_after((7200, 0))),
        closed("p4", "resolved_monetary", amount_recovered_fen=1200, satisfaction=3, **price,
               **answered_after((100, 0))),
    ]


def test_regulator_statistics_overall_and_by_category():
    figures = regulator_statistics(statistics_fixture())
    # 8 complaints, 7 closed; resolved q1 q2 p4 over the 5 closed neither withdrawn nor rejected;
    # ratings 5 4 2 3, two of them ≥ 4; 5000 + 1200 recovered; response times
    # 600 + 3600 + 0.25 + 7200 + 100 = 11500.25 s over 5 = 2300.05 → 2300.1 (half up).
    assert {key: value for key, value in figures.items() if key != "by_category"} == {
        "total": 8, "handled": 7, "handling_rate": 0.875,
        "resolved": 3, "resolution_rate": 0.6,
        "rated": 4, "satisfaction_rate": 0.5,
        "money_recovered_fen": 6200, "average_response_seconds": 2300.1,
    }
    assert figures["by_category"] == {
        # 3 of 4 closed; 2 resolved of 3 judged; 2 of 3 ratings ≥ 4; (600 + 3600 + 0.25) / 3
        "quality": {"total": 4, "handled": 3, "handling_rate": 0.75,
                    "resolved": 2, "resolution_rate": 0.667,
                    "rated": 3, "satisfaction_rate": 0.667,
                    "money_recovered_fen": 5000, "average_response_seconds": 1400.1},
        # 4 of 4 closed; 1 resolved of 2 judged (p3, p4); one rating of 3; (7200 + 100) / 2
        "price": {"total": 4, "handled": 4, "handling_rate": 1.0,
                  "resolved": 1, "resolution_rate": 0.5,
                  "rated": 1, "satisfaction_rate": 0.0,
                  "money_recovered_fen": 1200, "average_response_seconds": 3650.0},
    }


def test_regulator_statistics_of_nothing():
    assert regulator_statistics([]) == {
        "total": 0, "handled": 0, "handling_rate": None, "resolved": 0, "resolution_rate": None,
        "rated": 0, "satisfaction_rate": None, "money_recovered_fen": 0,
        "average_response_seconds": None, "by_category": {},
    }


def test_only_withdrawn_and_rejected_leave_the_resolution_rate_undefined():
    figures = regulator_statistics([closed("a", "withdrawn"), closed("b", "rejected")])
    assert (figures["handled"], figures["resolved"], figures["resolution_rate"]) == (2, 0, None)


def test_a_flagged_complaint_counts_in_total_but_is_not_handled():
    figures = regulator_statistics([complaint("a", status="flagged"),
                                    closed("b", "resolved_non_monetary")])
    assert (figures["total"], figures["handled"], figures["handling_rate"]) == (2, 1, 0.5)


def test_a_complaint_forwarded_but_not_answered_has_no_response_time():
    figures = regulator_statistics([complaint("a", forwarded_at=NOW)])
    assert figures["average_response_seconds"] is None


# --- public disclosure ------------------------------------------------------------------------

YEAR_AGO = "2025-11-21T08:00:00.000000Z"          # NOW − 365 days: just outside
JUST_INSIDE = "2025-11-21T08:00:00.000001Z"


def disclosure_fixture():
    return [
        closed("d1", "resolved_monetary", timely=True, filed_at=JUST_INSIDE,
               response={"proposal": "refund", "message": "退您钱", "amount_fen": 12800}),
        closed("d2", "unresolved", timely=False, category="price",
               filed_at="2026-03-01T00:00:00.000000Z", public_consent=False),
        closed("d3", "withdrawn", timely=True, filed_at="2026-06-01T00:00:00.000000Z"),
        complaint("d4", status="responded", timely=True, filed_at="2026-11-20T00:00:00.000000Z",
                  response={"proposal": "dispute", "message": "不同意", "amount_fen": None}),
        complaint("d5", filed_at="2026-11-21T07:59:59.000000Z"),            # timely unknown
        complaint("old", filed_at=YEAR_AGO, timely=True, status="closed",
                  closing="resolved_monetary"),
        complaint("flag", status="flagged", filed_at="2026-11-01T00:00:00.000000Z"),
    ]


def test_public_figures_count_twelve_months_without_flagged_ones():
    figures = public_disclosure(disclosure_fixture(), NOW)
    # d1..d5 count; resolved d1 over the closed ones not withdrawn (d1, d2); timely d1 d3 d4
    # over the 4 with known timeliness (d1 d2 d3 d4)
    assert {key: value for key, value in figures.items() if key != "summaries"} == {
        "period_days": 365, "total": 5, "resolved": 1, "resolution_rate": 0.5,
        "timely_response_rate": 0.75, "by_category": {"price": 1, "quality": 4},
    }


def test_summaries_are_consented_newest_first_and_without_personal_fields():
    summaries = public_disclosure(disclosure_fixture(), NOW)["summaries"]
    assert [s["complaint_id"] for s in summaries] == ["d5", "d4", "d3", "d1"]
    assert summaries[1] == {
        "complaint_id": "d4", "category": "quality", "title": "菜不新鲜",
        "summary": "点的鱼不新鲜", "status": "responded", "closing": None,
        "filed_on": "2026-11-20", "response_proposal": "dispute",
    }
    assert summaries[3]["response_proposal"] == "refund"
    assert summaries[0]["response_proposal"] is None


def test_disclosure_never_carries_the_consumer_phone_evidence_or_raw_description():
    description = "我叫王小明，电话13800138000，王先生拒绝退款"
    documents = [complaint(f"c{i}", description=description, title="找王先生 13800138000",
                           response={"proposal": "refund", "message": "电话 13700137000",
                                     "amount_fen": 500}) for i in range(3)]
    text = json.dumps(public_disclosure(documents, NOW), ensure_ascii=False)
    for secret in ("consumer-sub-7f3a", "13912345678", "13800138000", "13700137000",
                   "evidence.example", "secret-photo", "王小明", "王先生", description,
                   "12800", "contact_phone", "consumer", "evidence_urls", "amount"):
        assert secret not in text
    assert "我叫**，电话138****8000，*先生拒绝退款" in text


def test_a_summary_is_masked_before_it_is_cut():
    description = "甲" * 195 + "13800138000"              # the phone straddles character 200
    [summary] = public_disclosure([complaint("a", description=description)], NOW)["summaries"]
    assert summary["summary"] == "甲" * 195 + "138**"
    assert len(summary["summary"]) == 200


def test_at_most_twenty_summaries():
    documents = [complaint(f"c{i:02d}", filed_at=f"2026-11-{i + 1:02d}T00:00:00.000000Z")
                 for i in range(20)] + [complaint("c20", filed_at="2026-11-21T00:00:00.000000Z")]
    figures = public_disclosure(documents, NOW)
    assert figures["total"] == 21
    assert [s["complaint_id"] for s in figures["summaries"]] == \
        [f"c{i:02d}" for i in range(20, 0, -1)]


def test_disclosure_of_a_merchant_without_complaints():
    assert public_disclosure([], NOW) == {
        "period_days": 365, "total": 0, "resolved": 0, "resolution_rate": None,
        "timely_response_rate": None, "by_category": {}, "summaries": []}


def test_only_an_explicit_true_is_consent():
    documents = [complaint("a", public_consent="false"), complaint("b", public_consent=None)]
    assert public_disclosure(documents, NOW)["summaries"] == []


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
