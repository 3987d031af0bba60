"""Settlement, free of I/O: the campaign's settlement CSV, and the daily one (T+1) with its
holds and releases. A day's settlement is final once its redemptions can no longer be rolled
back, and then never changes: a merchant held when the day became final is paid nothing for
it, and what such days kept back is paid with the day of the hold's release, in a row of its
own."""
import csv
import io
from datetime import date, timedelta

from plumbing.clock import china_day, china_day_range, shifted

SETTLEMENT_COLUMNS = ("merchant_id", "merchant_name", "redemptions", "order_fen",
                      "discount_fen", "held")
DAILY_COLUMNS = (*SETTLEMENT_COLUMNS, "payable_fen")


def held_mark(hold):
    """The settlement CSV's ``held`` column of a merchant: "held" while its hold stands."""
    return "held" if hold is not None and hold["status"] == "held" else ""


def final_at(day, rollback_seconds):
    """When a day's settlement becomes final: its redemptions can no longer be rolled back
    (the day in China Standard Time ended ``rollback_seconds`` before)."""
    return shifted(china_day_range(day)[1], rollback_seconds)


def day_final(day, now, rollback_seconds):
    return now >= final_at(day, rollback_seconds)


def held_on(hold, day, now, rollback_seconds):
    """Whether a merchant's settlement of ``day`` is held: its hold stood when the day became
    final, or stands now while the day is not final yet. So a final day's settlement never
    changes: a hold made, or released, after the day was paid does not touch it."""
    if hold is None:
        return False
    at = min(now, final_at(day, rollback_seconds))
    return hold["held_at"] <= at and (hold.get("released_at") is None or hold["released_at"] > at)


def days_held(hold, released_at, rollback_seconds):
    """The days a hold released at ``released_at`` kept unpaid: those that became final while
    it stood (their discounts are paid with the release's day)."""
    day = date.fromisoformat(china_day(shifted(hold["held_at"], -rollback_seconds)))
    last = date.fromisoformat(china_day(released_at))
    held = []
    while day <= last:
        if hold["held_at"] <= final_at(day.isoformat(), rollback_seconds) < released_at:
            held.append(day.isoformat())
        day += timedelta(days=1)
    return held


def payable(row, held):
    """A merchant's row of a day's settlement: held, or its discounts payable."""
    return {**row, "held": "held" if held else "", "payable_fen": 0 if held else
            row["discount_fen"]}


def release_rows(holds, day):
    """The rows of a day's settlement that pay what released holds kept from earlier days:
    ``held`` "released", the amount in ``payable_fen``, in merchant order."""
    return [{"merchant_id": h["merchant_id"], "merchant_name": h.get("merchant_name", ""),
             "redemptions": 0, "order_fen": 0, "discount_fen": 0, "held": "released",
             "payable_fen": h["released_fen"]}
            for h in sorted(holds.values(), key=lambda h: h["merchant_id"])
            if h.get("paid_with") == day and h.get("released_fen")]


def settlement_text(rows, header, totals, columns=SETTLEMENT_COLUMNS):
    """CSV lines of settlement ``rows`` (one per merchant, ``held`` "held" while its cash-out
    hold stands): the header first when ``header``, the TOTAL row (``totals``: redeemed and
    the columns after it) when given; the discount is what the fund pays back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    if totals is not None:
        writer.writerow(["TOTAL", "", *(totals["redeemed"] if c == "redemptions"
                                        else totals.get(c, "") for c in columns[2:])])
    return out.getvalue()
