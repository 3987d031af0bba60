"""What every page for a phone's browser shares: rendered with the store pages' layout, a CSRF
token for its forms, never cached; strangers sent to sign in first."""
from urllib.parse import quote

from werkzeug.wrappers import Response

from gateway.csrf import csrf_token
from gateway.store_page_html import render_page
from plumbing.errors import DomainError

HTML = "text/html; charset=utf-8"
SIGN_IN = "/m/sign-in"


def html_page(call, settings, template, texts, status=200, **context):
    """``template`` rendered for ``call`` with ``texts[locale]`` as ``s`` and the token its
    forms carry as ``csrf``."""
    response = Response(status=status, content_type=HTML)
    response.set_data(render_page(template, call.locale, texts,
                                  csrf=csrf_token(call, response, settings), **context))
    return response


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
