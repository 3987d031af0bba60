"""The complaint pages' pure parts: amounts as people write them, and a timeline in the
consumer's words."""
import pytest

from gateway.routes.complaint_pages import LABELS, TEXT, fen_of, timeline_rows


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
        ("2026-11-20 10:00", "转交商户", "答复期限 2026-11-27 10:00"),
        ("2026-11-21 10:00", "商户答复", "退款"),
        ("2026-11-22 10:00", "转入调解", "消费者不接受商家的处理方案"),
        ("2026-11-23 10:00", "办结", "已解决（挽回经济损失）"),
        ("2026-11-24 10:00", "评价", "您的满意度：4 分"),
        ("2026-11-24 11:00", "接受方案", "谢谢")]
    assert timeline_rows(complaint, LABELS["en"], TEXT["en"])[1] == (
        "2026-11-21 10:00", "the shop answered", "a refund")
