"""The open-data file of closed complaints (docs/open-data.md): its columns, and a page of its
rows written as CSV or NDJSON. Pure: the complaints service makes the rows
(``services/complaints/open_data.py``), the gateway writes the file page by page.

A row is a dict of every column. CSV writes true/false for booleans and an empty field for
None; NDJSON keeps JSON's true/false/null."""
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

# (name, what it holds): docs/open-data.md's field reference is this table
COLUMNS = (
    ("complaint_id", "the complaint's id, unique"),
    ("filed_on", "the day it was filed, in China Standard Time (YYYY-MM-DD)"),
    ("closed_on", "the day it was closed, in China Standard Time (YYYY-MM-DD): the file's day"),
    ("region", "the 6-digit county code of the merchant's unit"),
    ("industry", "the unit's industry code (contracts/catalogue.py)"),
    ("category", "the complaint's category code (contracts/catalogue.py)"),
    ("merchant_id", "the merchant's id in the registry"),
    ("merchant_name", "the merchant's registered name when the complaint was filed"),
    ("closing", "how it ended: a code of contracts/closings.py"),
    ("by_deadline", "true when it closed by itself because its deadline passed, else false"),
    ("timely", "whether the merchant answered before its deadline; empty: it never had to "
               "(withdrawn or rejected before an answer was due)"),
    ("escalated", "true when it went to mediation because the merchant missed its deadline"),
    ("response_proposal", "the merchant's answer: refund, exchange, repair, compensation, "
                          "apology or dispute; empty: it never answered"),
    ("amount_recovered_fen", "money recovered for the consumer, in fen (0.01 yuan)"),
    ("satisfaction", "the consumer's rating of the handling, 1 to 5; empty: not rated (yet)"),
    ("days_to_close", "calendar days from filed_on to closed_on (0: closed the day it was "
                      "filed)"),
)
NAMES = tuple(name for name, _ in COLUMNS)
PAGE_ROWS = 500     # rows of one call of the complaints service's ``open_data``
MAX_ROWS = 50_000   # rows of one file: a region and day with more is asked for by its parts


# a cell a spreadsheet would run as a formula (OWASP "CSV injection"): written with a quote first
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows, header):
    """CSV lines of ``rows`` (CRLF ends, as RFC 4180), the header first when ``header``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(NAMES)
    for row in rows:
        writer.writerow([_csv_value(row[name]) for name in NAMES])
    return out.getvalue()


def ndjson_text(rows, header=False):
    """One JSON object a line of ``rows``, keys in column order; NDJSON has no header."""
    return "".join(json.dumps({name: row[name] for name in NAMES}, ensure_ascii=False,
                              separators=(",", ":")) + "\n" for row in rows)


@dataclass(frozen=True)
class Format:
    extension: str
    media_type: str
    text: Callable  # (rows, header) -> str


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", csv_text),
    "ndjson": Format("ndjson", "application/x-ndjson", ndjson_text),
}


def file_name(region, day, format_name):
    return f"fangxin-complaints-{region}-{day}.{FORMATS[format_name].extension}"
