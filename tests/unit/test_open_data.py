"""The open-data file of closed complaints (docs/open-data.md): its rows carry nothing
personal, its derived columns are computed in China's days, its writers' output parses back,
its field reference is COLUMNS, and a region's day is one range of the ``k_closed`` key."""
import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from contracts.open_data import COLUMNS, NAMES, csv_text, file_name, ndjson_text
from contracts.schemas.complaints import MerchantAnswerSchema
from plumbing.clock import FixedClock, china_day, china_day_range
from plumbing.errors import DomainError, validated
from services.complaints import listing, open_data
from services.complaints.disclosure import Disclosure
from services.complaints.filing import Filing
from services.complaints.handling import Handling
from services.complaints.service import ComplaintsService
from services.complaints.timers import Timers
from tests.unit.fakes.complaint_store import FakeComplaintStore
from tests.unit.fakes.registry_rpc import FakeRegistry
from tests.unit.test_complaint_application import CONSUMER, MERCHANT, MERCHANTS, SETTINGS, file

DOC = Path(__file__).resolve().parents[2] / "docs" / "open-data.md"
PHONE, TITLE, DESCRIPTION = "13912345678", "买到变质食品标题", "昨晚买的卤味变质了，联系王先生"
PERSONAL = (PHONE, TITLE, DESCRIPTION, "carol", "https://example.org/receipt.jpg",
            "我们全额退款的留言", "谢谢的评论", "调解笔记")


def closed_complaint(**overrides):
    """A complaint as stored, closed by the consumer's acceptance, with every personal field."""
    return {
        "_id": "c-1", "consumer": "carol", "contact_phone": PHONE, "title": TITLE,
        "description": DESCRIPTION, "evidence_urls": ["https://example.org/receipt.jpg"],
        "merchant_id": "m-1", "merchant_name": "湖滨小吃店", "region": "330106",
        "industry": "catering", "category": "quality", "amount_fen": 2500,
        "status": "closed", "closing": "resolved_monetary", "timely": True, "escalated": False,
        # 23:30 on 1 December in China, closed at 00:30 on the 3rd
        "filed_at": "2026-12-01T15:30:00.000000Z", "closed_at": "2026-12-02T16:30:00.000000Z",
        "response": {"proposal": "refund", "message": "我们全额退款的留言", "amount_fen": 2500},
        "decision": {"accept": True, "comment": "谢谢的评论", "at": "2026-12-02T16:30:00Z"},
        "mediation": {"notes": "调解笔记"}, "amount_recovered_fen": 2500, "satisfaction": 4,
        "timeline": [{"at": "t", "event": event, "by": "carol", "note": "调解笔记"}
                     for event in ("submitted", "forwarded", "responded", "accepted", "closed",
                                   "rated")],
        **overrides}


def test_a_row_has_every_column_in_order_and_nothing_personal():
    row = open_data.row_of(closed_complaint())
    assert tuple(row) == NAMES
    assert not any(text in json.dumps(row, ensure_ascii=False) for text in PERSONAL)
    assert row["closing"] == "resolved_monetary" and row["response_proposal"] == "refund"
    assert (row["amount_recovered_fen"], row["satisfaction"], row["timely"]) == (2500, 4, True)


def test_days_are_china_days_and_days_to_close_counts_calendar_days():
    row = open_data.row_of(closed_complaint())
    assert (row["filed_on"], row["closed_on"], row["days_to_close"]) == (
        "2026-12-01", "2026-12-03", 2)
    same_day = open_data.row_of(closed_complaint(closed_at="2026-12-01T15:59:59.999999Z"))
    assert (same_day["closed_on"], same_day["days_to_close"]) == ("2026-12-01", 0)


@pytest.mark.parametrize("events, expected", [
    (("submitted", "forwarded", "responded", "deadline_passed", "closed", "rated"), True),
    (("submitted", "forwarded", "deadline_passed", "escalated", "closed"), False),
    (("submitted", "forwarded", "responded", "accepted", "closed"), False),
    (("deadline_passed", "closed"), True),
    (("closed",), False),
])
def test_by_deadline_is_a_deadline_passed_right_before_the_closing(events, expected):
    timeline = [{"at": "t", "event": event, "by": "system", "note": None} for event in events]
    assert open_data.closed_by_deadline(timeline) is expected


def test_what_a_complaint_may_lack_is_empty():
    row = open_data.row_of(closed_complaint(response=None, timely=None, satisfaction=None,
                                            closing="withdrawn", amount_recovered_fen=0))
    assert (row["response_proposal"], row["timely"], row["satisfaction"]) == (None, None, None)


def test_the_store_reads_no_more_than_a_row_needs():
    complaint = closed_complaint()
    read = {name: complaint[name] for name in open_data.READS}
    assert open_data.row_of(read) == open_data.row_of(complaint)
    assert not {"consumer", "contact_phone", "title", "description", "evidence_urls",
                "decision", "mediation"} & set(open_data.READS)


# --- the writers -------------------------------------------------------------------------------

ROWS = [open_data.row_of(closed_complaint()),
        open_data.row_of(closed_complaint(_id="c-2", merchant_name='店 "一",二\n号',
                                          response=None, timely=None, satisfaction=None))]


def test_csv_parses_back_with_a_header_first_and_empty_for_none():
    text = csv_text(ROWS[:1], header=True) + csv_text(ROWS[1:], header=False)
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [tuple(row) for row in parsed] == [NAMES, NAMES]
    assert parsed[1]["merchant_name"] == '店 "一",二\n号'
    assert (parsed[0]["by_deadline"], parsed[0]["timely"], parsed[0]["satisfaction"]) == (
        "false", "true", "4")
    assert (parsed[1]["timely"], parsed[1]["response_proposal"]) == ("", "")


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)"])
def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text(name):
    text = csv_text([{**ROWS[0], "merchant_name": name}], header=True)
    [row] = list(csv.DictReader(io.StringIO(text, newline="")))
    assert row["merchant_name"] == "'" + name
    assert json.loads(ndjson_text([{**ROWS[0], "merchant_name": name}]))["merchant_name"] == name


def test_ndjson_is_one_object_a_line_with_json_types():
    lines = ndjson_text(ROWS).splitlines()
    assert [json.loads(line) for line in lines] == ROWS
    assert list(json.loads(lines[0])) == list(NAMES)


def test_the_file_is_named_by_region_day_and_format():
    assert file_name("330100", "2026-12-01", "ndjson") == (
        "fangxin-complaints-330100-2026-12-01.ndjson")


def test_the_field_reference_of_docs_is_the_columns():
    table = re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", DOC.read_text(encoding="utf-8"), re.M)
    assert tuple(table) == COLUMNS


# --- the key and its ranges ----------------------------------------------------------------------

def test_only_closed_complaints_have_the_closed_keys_at_each_level():
    keys = listing.keys_of(closed_complaint())
    assert keys["k_closed4"] == "k_closed4|3301|2026-12-02T16:30:00.000000Z|c-1"
    assert {keys[f"k_closed{n}"].split("|")[1] for n in (2, 4, 6)} == {"33", "3301", "330106"}
    assert {"k_closed2", "k_closed4", "k_closed6"} <= set(listing.KEY_FIELDS)
    open_keys = listing.keys_of(closed_complaint(status="mediation", closed_at=None))
    assert [open_keys[f"k_closed{n}"] for n in (2, 4, 6)] == [None, None, None]


def test_a_china_day_of_a_region_is_one_range_of_utc_times():
    assert china_day_range("2026-12-03") == ("2026-12-02T16:00:00.000000Z",
                                                  "2026-12-03T16:00:00.000000Z")
    for region, field in (("330000", "k_closed2"), ("330100", "k_closed4"),
                          ("330106", "k_closed6")):
        closed = listing.closed_range(region, *china_day_range("2026-12-03"))
        bounds = closed.query()[field]
        inside = listing.keys_of(closed_complaint())[field]
        day_before = listing.keys_of(closed_complaint(
            closed_at="2026-12-02T15:59:59.999999Z"))[field]
        assert bounds["$gte"] <= inside < bounds["$lt"]
        assert not bounds["$gte"] <= day_before < bounds["$lt"]
    other_city = listing.keys_of(closed_complaint(region="330206"))["k_closed4"]
    city = listing.closed_range("330100", *china_day_range("2026-12-03")).query()
    assert not city["k_closed4"]["$gte"] <= other_city < city["k_closed4"]["$lt"]


# --- the application -----------------------------------------------------------------------------

@pytest.fixture
def app():
    store = FakeComplaintStore()
    clock = FixedClock(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))  # 16:00 in China
    handling = Handling(store, clock, SETTINGS)
    return SimpleNamespace(store=store, clock=clock, handling=handling,
                           filing=Filing(store, clock, SETTINGS, FakeRegistry(MERCHANTS),
                                         sleep=lambda seconds: None),
                           disclosure=Disclosure(store, clock),
                           timers=Timers(store, clock, SETTINGS, handling))


def answered(app, proposal="refund", category="quality"):
    complaint_id = file(app, category=category)["complaint_id"]
    app.handling.respond(MERCHANT, complaint_id, validated(MerchantAnswerSchema(), {
        "proposal": proposal, "message": "抱歉", "amount_fen": 4800}))
    return complaint_id


def test_a_regions_day_holds_what_closed_that_day_in_china(app):
    accepted = answered(app)
    app.handling.decide(CONSUMER, accepted, True, "谢谢")
    still_open = answered(app, "apology", "price")
    page = app.disclosure.open_data("350100", "2026-11-21", None, 500)
    assert [row["complaint_id"] for row in page["rows"]] == [accepted]
    assert page["rows"][0]["closing"] == "resolved_monetary" and page["next_cursor"] is None
    assert still_open not in json.dumps(page)
    assert app.disclosure.open_data("350100", "2026-11-20", None, 500)["rows"] == []
    assert app.disclosure.open_data("330100", "2026-11-21", None, 500)["rows"] == []


def test_a_complaint_closed_by_its_deadline_says_so(app):
    complaint_id = answered(app)
    app.clock.advance(days=30)  # past the decision deadline (7 working days)
    app.timers.watch_deadlines()
    day = china_day(app.store.complaints[complaint_id]["closed_at"])
    [row] = app.disclosure.open_data("350102", day, None, 500)["rows"]
    assert (row["closing"], row["by_deadline"], row["days_to_close"]) == (
        "accepted_by_default", True, 30)


def test_a_day_that_has_not_begun_in_china_is_refused(app):
    app.clock.advance(hours=7)  # 23:00 in China: the next day has not begun
    with pytest.raises(DomainError) as refused:
        app.disclosure.open_data("350100", "2026-11-22", None, 500)
    assert refused.value.code == "VALIDATION_ERROR" and "day" in refused.value.details
    app.clock.advance(hours=1)
    assert app.disclosure.open_data("350100", "2026-11-22", None, 500)["rows"] == []


def test_the_rpc_refuses_a_bad_region_day_or_limit():
    service = worker_factory(ComplaintsService)
    for args in (("33010", "2026-11-21"), ("330106", "2026-13-01"), ("330106", None),
                 ("330106", "2026-11-21", None, 501), ("990000", "2026-11-21")):
        with pytest.raises(DomainError) as refused:
            service.open_data(*args)
        assert refused.value.code == "VALIDATION_ERROR"
