"""The open-data file of closed complaints through the gateway (docs/open-data.md): a region's
day holds the complaints it closed, with their closing, and nothing personal; both formats;
bad input is 422."""
import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from contracts.due_times import CHINA_STANDARD_TIME
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import PHONE, file, filing, post

ROUTE = "/api/v1/public/open-data/complaints"
DESCRIPTION = "昨天购买的牛奶已经变质，联系王先生无果"


def china_day(moment):
    return datetime.fromisoformat(moment).astimezone(CHINA_STANDARD_TIME).date().isoformat()


def closed(client, consumer_token, merchant_token, merchant_id, proposal, category):
    """A complaint filed, answered with ``proposal`` and accepted: as the consumer sees it."""
    complaint = file(client, consumer_token, filing(merchant_id, category=category))
    answered = post(client, merchant_token, complaint["complaint_id"], "responses",
                    {"proposal": proposal, "message": "已处理", "amount_fen": 2500})
    assert answered.status_code == 200, answered.text
    accepted = post(client, consumer_token, complaint["complaint_id"], "decision",
                    {"accept": True})
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


@pytest.fixture(scope="module")
def world(client, merchants):
    """Two complaints closed and one left open in a county of Hangzhou, one closed in another
    county: (the closed ones, the open one's id, the other county's id, the day)."""
    shop, shop_token, _ = certify(client, merchants, region="330106")
    elsewhere, elsewhere_token, _ = certify(client, merchants, region="330108")
    consumer = client.token(role="consumer", sub="open-data-consumer")
    refunded = closed(client, consumer, shop_token, shop, "refund", "quality")
    apologised = closed(client, consumer, shop_token, shop, "apology", "price")
    still_open = file(client, consumer, filing(shop, category="service"))["complaint_id"]
    other = closed(client, consumer, elsewhere_token, elsewhere, "refund", "quality")
    days = {china_day(c[at]) for c in (refunded, apologised, other)
            for at in ("filed_at", "closed_at")}
    if len(days) > 1:
        pytest.skip("the complaints were filed and closed on both sides of midnight in China")
    return [refunded, apologised], still_open, other["complaint_id"], days.pop()


def download(client, region, day, format_name=None):
    params = {"region": region, "day": day, **({"format": format_name} if format_name else {})}
    response = client.get(ROUTE, params=params)
    assert response.status_code == 200, response.text
    return response


def test_the_csv_of_a_county_holds_what_it_closed_that_day_and_nothing_personal(client, world):
    closed_ones, still_open, other, day = world
    response = download(client, "330106", day)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="fangxin-complaints-330106-{day}.csv"')
    assert "public" in response.headers["Cache-Control"] and response.headers["ETag"]
    rows = {row["complaint_id"]: row
            for row in csv.DictReader(io.StringIO(response.content.decode("utf-8")))}
    assert {c["complaint_id"] for c in closed_ones} <= set(rows)
    assert still_open not in rows and other not in rows
    for complaint in closed_ones:
        row = rows[complaint["complaint_id"]]
        assert (row["closing"], row["closed_on"], row["region"]) == (
            complaint["closing"], day, "330106")
        assert (row["by_deadline"], row["days_to_close"]) == ("false", "0")
    assert rows[closed_ones[0]["complaint_id"]]["amount_recovered_fen"] == "2500"
    assert rows[closed_ones[1]["complaint_id"]]["response_proposal"] == "apology"
    assert PHONE.encode() not in response.content
    assert DESCRIPTION.encode("utf-8") not in response.content
    again = client.get(ROUTE, params={"region": "330106", "day": day},
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_ndjson_of_the_city_holds_both_counties(client, world):
    closed_ones, still_open, other, day = world
    response = download(client, "330100", day, "ndjson")
    assert response.headers["Content-Type"] == "application/x-ndjson"
    assert response.headers["Content-Disposition"].endswith(
        f'fangxin-complaints-330100-{day}.ndjson"')
    rows = {row["complaint_id"]: row for row in map(json.loads, response.text.splitlines())}
    assert {c["complaint_id"] for c in closed_ones} | {other} <= set(rows)
    assert still_open not in rows
    assert rows[other]["region"] == "330108" and rows[other]["by_deadline"] is False
    assert PHONE.encode() not in response.content
    assert DESCRIPTION.encode("utf-8") not in response.content


def test_the_province_file_has_them_and_another_day_does_not(client, world):
    closed_ones, _, _, day = world
    province = download(client, "330000", day).text
    assert all(c["complaint_id"] in province for c in closed_ones)
    day_before = (datetime.fromisoformat(day) - timedelta(days=1)).date().isoformat()
    earlier = download(client, "330106", day_before).text
    assert not any(c["complaint_id"] in earlier for c in closed_ones)


@pytest.mark.parametrize("params", [
    {"region": "33010", "day": "2026-12-01"},
    {"region": "990000", "day": "2026-12-01"},
    {"region": "330106", "day": "2026-02-30"},
    {"region": "330106", "day": "yesterday"},
    {"region": "330106"},
    {"day": "2026-12-01"},
    {"region": "330106", "day": "2026-12-01", "format": "xlsx"},
    {"region": "330106", "day": "2099-12-31"},
])
def test_bad_input_is_a_validation_error(client, params):
    response = client.get(ROUTE, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_day_to_come_in_china_is_refused(client, world):
    _, _, _, day = world
    tomorrow = (datetime.fromisoformat(day) + timedelta(days=2)).date().isoformat()
    response = client.get(ROUTE, params={"region": "330106", "day": tomorrow})
    assert response.status_code == 422
    assert "day" in response.json()["error"]["details"]
