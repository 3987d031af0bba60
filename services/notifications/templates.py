"""Message templates in zh-CN (default) and en, rendered with Jinja2.

A template defines two blocks, ``title`` and ``body``. The filters of ``formatting`` are
available in every template (yuan, local_time, due_time, percent, zh_label/en_label,
zh_duration/en_duration), and so is ``coupon_terms(locale)``; ``macros/<locale>.j2`` words an
event's deadline record (``{% import "macros/zh-CN.j2" as d %}`` inside a block).
"""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifications.formatting import FILTERS, GLOBALS

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    keep_trailing_newline=False,
    auto_reload=False,  # templates ship with the code: no stat of the file per render
)
_environment.filters.update(FILTERS)
_environment.globals.update(GLOBALS)


def render(template, locale, context):
    """(title, body) of ``template`` in ``locale`` (falling back to zh-CN)."""
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    compiled = _environment.get_template(f"{locale}/{template}.j2")
    parts = compiled.new_context(dict(context))
    title = "".join(compiled.blocks["title"](parts)).strip()
    body = "".join(compiled.blocks["body"](parts)).strip()
    return title, body
