"""The store page as zh-CN HTML for phones, rendered from the page JSON (store_page.page_of).

Autoescape is on: every merchant-supplied string is escaped.
"""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

# The figures the complaints service reports, in the order shown; rates are 0..1.
COMPLAINT_FIGURES = (
    ("total", "投诉总数", "count"),
    ("resolved", "已解决", "count"),
    ("resolution_rate", "解决率", "rate"),
    ("timely_response_rate", "按时响应率", "rate"),
)

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_store_page(page):
    return _environment.get_template("store_page.html").render(
        page=page,
        figures=figure_rows(page.get("complaints")),
        coupons=[coupon_row(coupon) for coupon in page.get("coupons", ())],
    )


def render_not_found(code):
    return _environment.get_template("store_not_found.html").render(code=code)


def render_unavailable():
    return _environment.get_template("store_unavailable.html").render()


def figure_rows(figures):
    """(label, text) of the known figures present; None when the page has no figures."""
    if figures is None:
        return None
    return [(label, _figure_text(figures[key], kind))
            for key, label, kind in COMPLAINT_FIGURES if figures.get(key) is not None]


def _figure_text(value, kind):
    if kind == "rate":
        return f"{value * 100:.0f}%"
    return str(value)


def coupon_row(coupon):
    """(name, terms) of a coupon; terms only from the amounts it has."""
    name = coupon.get("name") or "消费券"
    face, minimum = coupon.get("face_value_fen"), coupon.get("min_spend_fen")
    if face and minimum:
        terms = f"满{yuan(minimum)}元减{yuan(face)}元"
    elif face:
        terms = f"立减{yuan(face)}元"
    elif coupon.get("percent_off"):
        terms = f"{(100 - coupon['percent_off']) / 10:g}折"  # 20% off is 八折 in Chinese
    else:
        terms = ""
    return name, terms


def yuan(fen):
    whole, cents = divmod(int(fen), 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}".rstrip("0")
