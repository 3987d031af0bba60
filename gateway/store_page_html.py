"""The store page as HTML for phones, in zh-CN (the default) or en, rendered from the page JSON
(store_page.page_of), and the files the pages load (``ASSETS``: their stylesheet and icon).

Autoescape is on: every merchant-supplied string is escaped. The pages run no script and have
no inline style (gateway/headers.py sends a Content-Security-Policy that allows neither): style
goes in static/store.css.
"""
import hashlib
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from contracts import coupon_kinds
from contracts.store_page_display import localized
from plumbing.clock import local_time

# The fixed wording of the pages; "%s"/"%d" are filled in by the templates.
TEXT = {
    "zh-CN": {
        "lang": "zh-CN", "site": "放心消费",
        "footer": "放心消费单位公示信息，以市场监管部门认定为准",
        "not_found": "未找到该商户",
        "not_found_text": "二维码对应的商户不存在或已失效（编码 %s）。请核对二维码是否完整、清晰。",
        "dispute_before": "如遇消费纠纷，请拨打 ", "dispute_after": " 消费者投诉举报专线。",
        "unavailable": "服务暂时不可用",
        "unavailable_text": "商户信息暂时无法查询，请稍后刷新重试。",
        "red_list": "红榜单位", "black_list": "黑榜单位", "reputation": "星级与评价",
        "stars": "%d 星", "unrated": "暂未评定星级", "rating_before": "消费者评分 ",
        "rating_after": " 分（%d 人评价）",
        "no_rating": "暂无消费者评价", "rate": "评价本店", "licences": "证照信息",
        "valid_until": "有效期至",
        "expired": "（已过期）", "no_licences": "暂无公示证照", "commitments": "放心消费承诺",
        "complaints": "近 12 个月投诉情况", "no_complaints": "近 12 个月无投诉",
        "coupons": "可用消费券", "claim": "领取", "help": "消费维权", "complain": "我要投诉",
        "call": "拨打 %s",
        "figures": {"total": "投诉总数", "resolved": "已解决", "resolution_rate": "解决率",
                    "timely_response_rate": "按时响应率"},
        "coupon": "消费券",
        "grade": "信用评价", "grade_score": "%s 分（满分 100）", "grade_stars": "评定 %d 星",
        "grade_why": "为何是这个评价", "grade_vetoes": "限制星级的情形",
        "grade_raise": "如何提升", "grade_points": "%s / %s 分", "grade_more": "+%s 分",
        "grade_warnings": "警示扣分 %s",
    },
    "en": {
        "lang": "en", "site": "Trusted consumption",
        "footer": "Published trusted-consumption unit information; the market regulator's "
                  "records prevail",
        "not_found": "Store not found",
        "not_found_text": "No store matches this QR code, or it is no longer valid (code %s). "
                          "Check that the code is complete and clear.",
        "dispute_before": "In a consumer dispute, call the ", "dispute_after": " hotline.",
        "unavailable": "Temporarily unavailable",
        "unavailable_text": "Store information cannot be looked up right now; refresh shortly.",
        "red_list": "Red list", "black_list": "Black list", "reputation": "Stars and ratings",
        "stars": "%d stars", "unrated": "Not yet rated", "rating_before": "Consumer rating ",
        "rating_after": " (%d ratings)", "no_rating": "No consumer ratings yet",
        "rate": "Rate this shop",
        "licences": "Licences", "valid_until": "Valid until", "expired": " (expired)",
        "no_licences": "No licences published", "commitments": "Trusted-consumption promises",
        "complaints": "Complaints in the last 12 months",
        "no_complaints": "No complaints in the last 12 months",
        "coupons": "Coupons you can use", "claim": "Claim", "help": "Consumer rights",
        "complain": "Complain",
        "call": "Call %s",
        "figures": {"total": "complaints", "resolved": "resolved",
                    "resolution_rate": "resolution rate",
                    "timely_response_rate": "answered on time"},
        "coupon": "Coupon",
        "grade": "Trust grade", "grade_score": "%s points of 100", "grade_stars": "%d stars",
        "grade_why": "Why this grade", "grade_vetoes": "What caps the stars",
        "grade_raise": "What would raise it", "grade_points": "%s of %s points",
        "grade_more": "+%s points", "grade_warnings": "Warnings: −%s",
    },
}

# The figures the complaints service reports, in the order shown; rates are 0..1.
COMPLAINT_FIGURES = (
    ("total", "count"),
    ("resolved", "count"),
    ("resolution_rate", "rate"),
    ("timely_response_rate", "rate"),
)

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Asset:
    """A file the pages load, read once: its bytes, media type and a digest of its bytes (the
    ``?v=`` of its links, so that a page always asks for the version it was written for)."""
    content: bytes
    content_type: str
    version: str


def _asset(name, content_type):
    content = (STATIC / name).read_bytes()
    return Asset(content, content_type, hashlib.sha256(content).hexdigest()[:12])


ASSETS = {"store.css": _asset("store.css", "text/css; charset=utf-8"),
          "favicon.ico": _asset("favicon.ico", "image/x-icon")}
ASSET_PATHS = {"store.css": "/static/store.css", "favicon.ico": "/favicon.ico"}


def asset_url(name):
    return f"{ASSET_PATHS[name]}?v={ASSETS[name].version}"


_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates ship with the code: no stat of the file per render
)
_environment.globals["asset_url"] = asset_url
_environment.filters["local_time"] = local_time


def render_store_page(page, locale="zh-CN"):
    text = TEXT[locale]
    return _environment.get_template("store_page.html").render(
        t=text,
        page=localized(page, locale),
        figures=figure_rows(page.get("complaints"), text),
        coupons=[(*coupon_row(coupon, text), coupon.get("claim_url"))
                 for coupon in page.get("coupons", ())],
    )


def render_page(template, locale, texts, **context):
    """Another page of the gateway's (``templates/<template>``), with the store pages' layout
    and wording (``t``) and its own (``s``: ``texts[locale]``)."""
    return _environment.get_template(template).render(t=TEXT[locale], s=texts[locale],
                                                       **context)


def render_not_found(code, locale="zh-CN"):
    return _environment.get_template("store_not_found.html").render(code=code, t=TEXT[locale])


def render_unavailable(locale="zh-CN"):
    return _environment.get_template("store_unavailable.html").render(t=TEXT[locale])


def figure_rows(figures, text=TEXT["zh-CN"]):
    """(label, text) of the known figures present; None when the page has no figures (the
    complaints service did not answer), and none when the unit had no complaints (the page says
    so)."""
    if figures is None:
        return None
    if figures.get("total") == 0:
        return []
    return [(text["figures"][key], _figure_text(figures[key], kind))
            for key, kind in COMPLAINT_FIGURES if figures.get(key) is not None]


def _figure_text(value, kind):
    if kind == "rate":
        return f"{value * 100:.0f}%"
    return str(value)


def coupon_row(coupon, text=TEXT["zh-CN"]):
    """(name, terms) of a coupon or campaign, its terms as its kind words them in the page's
    language (contracts/coupon_kinds.py)."""
    return coupon.get("name") or text["coupon"], coupon_kinds.terms(coupon, text["lang"])
