"""Complaint figures from counters, checked against numbers worked out by hand in each test:
each complaint's contribution is added up as the store adds its increments, and read back
through the same ranges the service reads."""
import json
import random
from datetime import date, timedelta

import pytest

from contracts import closings
from plumbing.actors import jurisdiction_prefix
from plumbing.derived import Sums, difference
from plumbing.keys import upper_bound
from services.complaints import analytics, figures, listing
from tests.unit.test_complaints_analytics import NOW, answered_after, closed, complaint


def counters_of(complaints):
    sums = Sums()
    for document in complaints:
        sums.add(figures.contribution(figures.snapshot(document)))
    return {counter: dict(fields) for counter, fields in sums.totals.items()}


def read(counters, ranges):
    found = []
    for prefix, start, end in ranges:
        low, high = prefix + start, upper_bound(prefix) if end is None else prefix + end
        found += [{"_id": c, **fields} for c, fields in counters.items() if low <= c < high]
    return found


def regulator_statistics(complaints, region="330106", first=None, last=None):
    ranges = figures.regulator_ranges(jurisdiction_prefix(region), first, last)
    return figures.regulator_statistics(figures.added_up(read(counters_of(complaints), ranges)))


def public_disclosure(complaints, now):
    """As the service answers it: figures from the counters, summaries from ``k_public``."""
    today = figures.utc_day(now)
    merchant = "m1"
    sums = figures.added_up(read(counters_of(complaints), figures.disclosure_ranges(merchant,
                                                                                   today)))
    since = "k_public|m1|" + figures.disclosure_window_start(today)
    listed = sorted((listing.keys_of(c)["k_public"], c) for c in complaints
                    if (listing.keys_of(c)["k_public"] or "") >= since)
    shown = [analytics.public_summary(c) for _, c in reversed(listed)][:analytics.SUMMARY_LIMIT]
    return {**figures.public_figures(sums, today), "summaries": shown}


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


def test_regulator_statistics_count_the_complaints_of_each_closing():
    ended = [closed("d1", "accepted_by_default", amount_recovered_fen=300),
             closed("d2", "accepted_by_default"), closed("m1", "mediation_ended"),
             closed("m2", "mediation_ended", category="price"), complaint("open")]
    figures = regulator_statistics(statistics_fixture() + ended)
    assert figures["by_closing"] == {
        "resolved_monetary": 2, "resolved_non_monetary": 1, "unresolved": 2, "withdrawn": 1,
        "rejected": 1, "accepted_by_default": 2, "mediation_ended": 2}
    # accepted by default counts as resolved, mediation ended as judged and unresolved
    assert (figures["resolved"], figures["resolution_rate"]) == (5, round(5 / 9, 3))


def test_regulator_statistics_overall_and_by_category():
    figures = regulator_statistics(statistics_fixture())
    # 8 complaints, 7 closed; resolved q1 q2 p4 over the 5 closed neither withdrawn nor rejected;
    # ratings 5 4 2 3, two of them ≥ 4; 5000 + 1200 recovered; response times
    # 600 + 3600 + 0.25 + 7200 + 100 = 11500.25 s over 5 = 2300.05 → 2300.1 (half up).
    assert {key: value for key, value in figures.items()
            if key not in ("by_category", "by_closing")} == {
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
        "by_closing": dict.fromkeys(closings.CODES, 0),
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

YEAR_AGO = "2025-11-30T23:59:59.999999Z"   # twelve months up to NOW's, December 2025 the first
JUST_INSIDE = "2025-12-01T00:00:00.000000Z"


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
        "period_days": 356, "total": 5, "resolved": 1, "resolution_rate": 0.5,
        "timely_response_rate": 0.75, "by_category": {"price": 1, "quality": 4},
    }


def test_summaries_are_consented_newest_first_and_without_personal_fields():
    summaries = public_disclosure(disclosure_fixture(), NOW)["summaries"]
    assert [s["complaint_id"] for s in summaries] == ["d5", "d4", "d3", "d1"]
    assert summaries[1] == {
        "complaint_id": "d4", "category": "quality", "title": "菜不新鲜",
        "summary": "点的鱼不新鲜", "status": "responded", "closing": None,
        "filed_on": "2026-11-20", "response_proposal": "dispute", "merchant_reply": None,
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
        "period_days": 356, "total": 0, "resolved": 0, "resolution_rate": None,
        "timely_response_rate": None, "by_category": {}, "summaries": []}


def test_only_an_explicit_true_is_consent():
    documents = [complaint("a", public_consent="false"), complaint("b", public_consent=None)]
    assert public_disclosure(documents, NOW)["summaries"] == []


# --- periods and regions ------------------------------------------------------------------------

def covering(ranges, day):
    """How many of ``ranges`` (period, start, end) cover ``day``."""
    text = {"d": day.isoformat(), "m": day.isoformat()[:7]}
    return sum(1 for period, start, end in ranges
               if start <= text[period] and (end is None or text[period] < end))


@pytest.mark.parametrize("seed", range(40))
def test_every_day_of_a_period_is_read_exactly_once(seed):
    chance = random.Random(seed)
    first = date(2025, 1, 1) + timedelta(days=chance.randrange(700))
    last = first + timedelta(days=chance.randrange(400))
    first, last = chance.choice([(first, last), (None, last), (first, None), (None, None)])
    ranges = figures.period_ranges(first, last)
    assert len(ranges) <= 3
    for offset in range(-40, 800):
        day = date(2025, 1, 1) + timedelta(days=offset)
        inside = (first is None or first <= day) and (last is None or day <= last)
        assert covering(ranges, day) == (1 if inside else 0), (first, last, day)


def test_a_city_adds_up_its_counties_and_another_city_sees_none():
    documents = [complaint("a", region="330106"), complaint("b", region="330102"),
                 complaint("c", region="330206"), closed("d", "withdrawn", region="330106")]
    assert regulator_statistics(documents, "330106")["total"] == 2
    assert regulator_statistics(documents, "330100")["total"] == 3
    assert regulator_statistics(documents, "330000")["total"] == 4
    assert regulator_statistics(documents, "330300")["total"] == 0


def test_from_and_to_are_filing_days_both_included():
    documents = [complaint("may", filed_at="2026-05-31T23:59:59.999999Z"),
                 complaint("june", filed_at="2026-06-01T00:00:00.000000Z"),
                 complaint("july", filed_at="2026-07-15T12:00:00.000000Z")]
    def total(first, last):
        return regulator_statistics(documents, "330106", first, last)["total"]

    assert total(date(2026, 6, 1), None) == 2
    assert total(None, date(2026, 5, 31)) == 1
    assert total(date(2026, 5, 31), date(2026, 7, 15)) == 3
    assert total(date(2026, 6, 2), date(2026, 7, 14)) == 0


def test_the_differences_of_a_life_add_up_to_its_last_state():
    """What settling each step adds equals counting the complaint once as it ends."""
    steps = [complaint("a", status="flagged"), complaint("a"),
             complaint("a", status="responded", timely=True, **answered_after((600, 0))),
             closed("a", "resolved_monetary", timely=True, amount_recovered_fen=900,
                    **answered_after((600, 0))),
             closed("a", "resolved_monetary", timely=True, amount_recovered_fen=900,
                    satisfaction=5, **answered_after((600, 0)))]
    running, before = Sums(), {}
    for step in steps:
        after = figures.contribution(figures.snapshot(step))
        running.add(difference(before, after))
        before = after
    settled = {c: {f: n for f, n in fields.items() if n} for c, fields in running.totals.items()}
    assert {c: f for c, f in settled.items() if f} == counters_of(steps[-1:])
