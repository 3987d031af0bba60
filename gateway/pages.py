"""What every page for a phone's browser shares: rendered with the store pages' layout, a CSRF
token for its forms, never cached; strangers sent to sign in first."""
from urllib.parse import quote

from werkzeug.wrappers import Response

from contracts import errors
from gateway.csrf import csrf_token
from gateway.store_page_html import render_page
from plumbing.errors import DomainError

HTML = "text/html; charset=utf-8"
SIGN_IN = "/m/sign-in"

# what a page says when its request is refused before or outside its own handling, by status
ERROR_PAGES = {
    "zh-CN": {403: ("页面已过期", "请返回上一页，刷新后再试一次。"),
              404: ("页面不存在", "请检查链接是否完整。"),
              405: ("无法这样打开此页面", "请从首页或上一页的链接进入。"),
              413: ("内容太多", "请删减填写的内容后再提交。"),
              429: ("操作太频繁", "请稍等片刻再试。"),
              503: ("服务暂时不可用", "请稍后刷新重试。"),
              None: ("出错了", "请稍后再试。")},
    "en": {403: ("This page has expired", "Go back, refresh the page and try again."),
           404: ("No such page", "Check that the link is complete."),
           405: ("This page cannot be opened this way", "Follow a link to it instead."),
           413: ("Too much text", "Shorten what you entered and send it again."),
           429: ("Too many tries", "Wait a moment and try again."),
           503: ("Temporarily unavailable", "Refresh in a moment."),
           None: ("Something went wrong", "Try again shortly.")},
}


def error_page(refused, locale):
    """A page's refusal ``refused`` (API.md's JSON error answer) as a page a person reads,
    with the same status and headers."""
    texts = ERROR_PAGES[locale]
    title, text = texts.get(refused.status_code, texts[None])
    response = Response(status=refused.status_code, content_type=HTML)
    if "Retry-After" in refused.headers:
        response.headers["Retry-After"] = refused.headers["Retry-After"]
    response.set_data(render_page("page_error.html", locale, ERROR_PAGES, title=title,
                                  text=text))
    return response


def html_page(call, settings, template, texts, status=200, **context):
    """``template`` rendered for ``call`` with ``texts[locale]`` as ``s`` and the token its
    forms carry as ``csrf``."""
    response = Response(status=status, content_type=HTML)
    response.set_data(render_page(template, call.locale, texts,
                                  csrf=csrf_token(call, response, settings), **context))
    return response


def form_number(form, name):
    """A whole number a form sent as ``name``, or 0 (which the services refuse)."""
    value = form.get(name, "")
    return int(value) if value.isdigit() else 0


def refusal(exc, locale):
    """What a page says of a service's refusal ``exc`` (a ``DomainError``)."""
    return errors.page_text(exc.code, locale, exc.message)


def to_sign_in(next_path):
    """The way to the sign-in page, and back to ``next_path`` afterwards."""
    return Response(status=303, headers={"Location": f"{SIGN_IN}?next={quote(next_path)}"})


def redirect(path):
    return Response(status=303, headers={"Location": path})


def step_then(step, done_path, refused_page, passed_on=(404,)):
    """``step()``, then the way to ``done_path``; a refusal the consumer can act on (a 4xx other
    than ``passed_on``) said on ``refused_page(error)`` instead."""
    try:
        step()
    except DomainError as exc:
        if exc.status >= 500 or exc.status in passed_on:
            raise
        return refused_page(exc)
    return redirect(done_path)
