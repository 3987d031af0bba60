"""Units of stock and the gaps a crashed claim leaves (services/coupons/units.py)."""
from services.coupons import units


def test_a_unit_has_one_document_id_whoever_writes_it():
    assert units.unit_id("c1:0", 7) == units.unit_id("c1:0", 7)
    assert units.unit_id("c1:0", 7) != units.unit_id("c1:0", 8)
    assert units.unit_id("c1:0", 7) != units.unit_id("c1:1", 7)
    assert len(units.unit_id("c1:0", 7)) == 32


def test_gaps_are_taken_seqs_no_document_accounts_for():
    assert units.gaps(taken=6, accounted_upto=2, accounted={3, 5}) == [4, 6]
    assert units.gaps(taken=2, accounted_upto=2, accounted=set()) == []


def test_the_watermark_stops_at_the_first_gap():
    assert units.watermark(taken=6, accounted_upto=2, accounted={3, 5, 6}) == 3
    assert units.watermark(taken=6, accounted_upto=2, accounted={3, 4, 5, 6}) == 6
    assert units.watermark(taken=0, accounted_upto=0, accounted=set()) == 0


def test_a_gap_is_due_only_after_the_grace_period_and_forgotten_once_closed():
    watch = units.GapWatch(grace_seconds=10)
    assert watch.due([("c", 1)], now=100) == []
    assert watch.due([("c", 1), ("c", 2)], now=105) == []
    assert watch.due([("c", 1), ("c", 2)], now=110) == [("c", 1)]
    assert watch.due([("c", 2)], now=120) == [("c", 2)]
    assert watch.due([("c", 1)], now=121) == []  # closed and open again: a new gap


def test_placeholders_account_for_a_unit_and_are_never_coupons():
    void = units.placeholder(units.VOID, ("c1:0", 3), "c1", units.DRAW, "t")
    assert void["_id"] == units.unit_id("c1:0", 3)
    assert (void["unit_counter"], void["unit_seq"], void["status"]) == ("c1:0", 3, "void")
    assert void["code"] != units.placeholder(units.VOID, ("c1:0", 4), "c1", units.DRAW,
                                             "t")["code"]
    assert void["status"] not in units.ISSUED_STATUSES
    assert units.unit_fields(("c1:0", 3), ("c1:prize:a", 1)) == {
        "unit_counter": "c1:0", "unit_seq": 3, "prize_counter": "c1:prize:a", "prize_seq": 1}
