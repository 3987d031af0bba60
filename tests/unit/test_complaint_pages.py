"""The complaint pages' pure parts: amounts as people write them, and a timeline in the
consumer's words."""
import pytest

from contracts.due_times import due_time
from gateway.routes.complaint_pages import LABELS, TEXT, fen_of, timeline_rows
from gateway.store_page_html import render_page


@pytest.mark.parametrize("written, fen", [
    ("25", 2500), ("25.5", 2550), ("¥25.50", 2550), ("￥0.01", 1), ("", 0), (" 3 ", 300),
    ("25.505", None), ("-1", None), ("abc", None), ("1e3", 100000)])
def test_an_amount_in_yuan_becomes_fen_or_is_refused(written, fen):
    assert fen_of(written) == fen


def test_a_timeline_names_its_codes_and_shows_times_in_china():
    complaint = {"deadline_at": "2026-11-27T02:00:00Z", "timeline": [
        {"at": "2026-11-20T02:00:00Z", "event": "forwarded",
         "note": "答复期限 2026-11-27T02:00:00Z"},
        {"at": "2026-11-21T02:00:00Z", "event": "responded", "note": "refund"},
        {"at": "2026-11-22T02:00:00Z", "event": "escalated", "note": "consumer_rejected"},
        {"at": "2026-11-23T02:00:00Z", "event": "closed", "note": "resolved_monetary"},
        {"at": "2026-11-24T02:00:00Z", "event": "rated", "note": "4"},
        {"at": "2026-11-24T03:00:00Z", "event": "accepted", "note": "谢谢"}]}
    rows = timeline_rows(complaint, LABELS["zh-CN"], TEXT["zh-CN"])
    assert rows == [
        ("2026-11-20 10:00", "转交商户", "答复期限 2026-11-27 10:00", None),
        ("2026-11-21 10:00", "商户答复", "退款", None),
        ("2026-11-22 10:00", "转入调解", "消费者不接受商家的处理方案", None),
        ("2026-11-23 10:00", "办结", "已解决（挽回经济损失）", None),
        ("2026-11-24 10:00", "评价", "您的满意度：4 分", None),
        ("2026-11-24 11:00", "接受方案", "谢谢", None)]
    assert timeline_rows(complaint, LABELS["en"], TEXT["en"])[1] == (
        "2026-11-21 10:00", "the shop answered", "a refund", None)


RESPONSE = {"kind": "response", "rule": "7 个工作日（经营者收到投诉后直接和解的期限）",
            "unit": "working_days", "count": 7, "from": "2026-12-03T02:00:00.000000Z",
            "due_at": "2026-12-14T16:00:00.000000Z", "pending_year": None}
MEDIATION = {**RESPONSE, "kind": "mediation", "count": 45, "due_at": None,
             "pending_year": 2027,
             "rule": "45 个工作日（自投诉受理之日起四十五个工作日内未达成调解协议的终止调解）"}

COMPUTED = {**MEDIATION, "due_at": "2027-02-10T16:00:00Z", "pending_year": None}


def step(event, note, record=None):
    """A timeline entry as the complaints service writes it: a deadline it set or passed is
    its ``deadline``, not part of its note."""
    entry = {"at": "2026-12-03T02:00:00Z", "event": event, "by": "system", "note": note}
    return {**entry, "deadline": record} if record else entry


DEADLINE_STEPS = {"timeline": [
    step("forwarded", None, RESPONSE),
    step("escalated", "deadline_missed", MEDIATION),
    step("screening_escalated", "移交上级 330100", {**RESPONSE, "kind": "screening"}),
    step("deadline_passed", None, RESPONSE),
    step("deadline_computed", None, COMPUTED)]}


def test_a_timeline_names_the_deadline_steps_and_shows_each_deadline_in_chinese():
    rows = timeline_rows(DEADLINE_STEPS, LABELS["zh-CN"], TEXT["zh-CN"])
    assert [(what, note, deadline) for _, what, note, deadline in rows] == [
        ("转交商户", None, f"答复期限：{RESPONSE['rule']}，至 2026-12-14 24:00"),
        ("转入调解", "商家逾期未答复",
         f"调解期限：{MEDIATION['rule']}，待 2027 年官方日历发布后计算"),
        ("移交上级审核", "移交上级 330100", f"审核期限：{RESPONSE['rule']}，至 2026-12-14 24:00"),
        ("期限届满", None, f"答复期限：{RESPONSE['rule']}，至 2026-12-14 24:00"),
        ("期限已确定", None, f"调解期限：{MEDIATION['rule']}，至 2027-02-10 24:00")]


def test_a_timeline_shows_each_deadline_in_english():
    rows = timeline_rows(DEADLINE_STEPS, LABELS["en"], TEXT["en"])
    assert [(what, deadline) for _, what, _, deadline in rows] == [
        ("passed to the shop", "answer deadline: 7 working days, due 2026-12-14 24:00 (UTC+8)"),
        ("to mediation",
         "mediation deadline: 45 working days, pending the official calendar for 2027"),
        ("up one level for screening",
         "screening deadline: 7 working days, due 2026-12-14 24:00 (UTC+8)"),
        ("deadline passed", "answer deadline: 7 working days, due 2026-12-14 24:00 (UTC+8)"),
        ("deadline set", "mediation deadline: 45 working days, due 2027-02-10 24:00 (UTC+8)")]


def test_a_deadline_in_seconds_is_counted_in_seconds():
    record = {**RESPONSE, "unit": "seconds", "count": 90.0, "due_at": "2026-12-03T02:01:30Z"}
    [(_, _, _, deadline)] = timeline_rows({"timeline": [step("forwarded", None, record)]},
                                          LABELS["en"], TEXT["en"])
    assert deadline == "answer deadline: 90 seconds, due 2026-12-03 10:01 (UTC+8)"


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_step_the_complaints_service_writes_is_named(locale):
    steps = ("submitted", "flagged", "forwarded", "responded", "accepted", "rejected_proposal",
             "escalated", "closed", "rated", "deadline_passed", "screening_escalated",
             "deadline_computed", "screened_forward", "screened_reject")
    assert set(steps) <= set(TEXT[locale]["steps"])


@pytest.mark.parametrize("locale, due, pending", [
    ("zh-CN", "答复期限 2026-12-14 24:00", "待 2027 年官方日历发布后计算"),
    ("en", "answer due 2026-12-14 24:00", "pending the official calendar for 2027")])
def test_the_complaint_page_shows_the_deadline_of_each_step(locale, due, pending):
    complaint = {**DEADLINE_STEPS, "complaint_id": "c-1", "title": "买到变质食品",
                 "merchant_name": "湖滨小吃店", "status": "forwarded", "response": None,
                 "deadline_at": RESPONSE["due_at"]}
    page = render_page("my_complaint.html", locale, TEXT, c=complaint, labels=LABELS[locale],
                       error=None, closing=None, csrf="t", due_time=due_time,
                       timeline=timeline_rows(complaint, LABELS[locale], TEXT[locale]))
    assert due in page and pending in page and page.count('class="deadline"') == 5
