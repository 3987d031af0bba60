"""Rating a shop from its store page (评价本店), in a phone's browser: a score of 1 to 5 and a
comment, once per shop every 30 days. Strangers are sent to sign in first and come back."""
from urllib.parse import quote

from marshmallow import Schema, fields

from gateway.pages import form_number, html_page, refusal, step_then, to_sign_in
from gateway.routes.store_pages import html_error
from gateway.web import api
from plumbing.errors import DomainError

TAGS = ["pages"]
TEXT = {
    "zh-CN": {"title": "评价本店", "score": "评分（5 为非常满意）", "comment": "说明（可选）",
              "send": "提交评价", "thanks": "感谢您的评价！", "back": "返回商户页",
              "scores": {5: "5 非常满意", 4: "4 满意", 3: "3 一般", 2: "2 不满意",
                         1: "1 非常不满意"}},
    "en": {"title": "Rate this shop", "score": "Score (5: very satisfied)",
           "comment": "Comment (optional)", "send": "Rate", "thanks": "Thank you for rating!",
           "back": "Back to the shop's page",
           "scores": {5: "5 very satisfied", 4: "4 satisfied", 3: "3 neutral",
                      2: "2 dissatisfied", 1: "1 very dissatisfied"}},
}


class RatePageQuerySchema(Schema):
    rated = fields.Boolean(load_default=False)


def rating_of(form):
    """The rating a form sends (the registry validates it)."""
    return {"score": form_number(form, "score"), "comment": form.get("comment", "")[:500]}


class RatingPageRoutes:
    @api("GET", "/m/stores/<code>/rate", query=RatePageQuerySchema, page=True, tags=TAGS,
         errors=(404,), summary="Rate a shop: the form its store page's 评价本店 opens")
    def rate_store_page(self, call):
        code = call.path["code"]
        if call.actor is None:
            return to_sign_in(rate_path(code))
        return self._rate_form(call, code, rated=call.query["rated"])

    @api("POST", "/m/stores/<code>/rate", page=True, csrf=True, tags=TAGS, status=303,
         errors=(403, 404, 409, 422), summary="The rating form sent: the shop rated")
    def rate_store_sent(self, call):
        code = call.path["code"]
        if call.actor is None:
            return to_sign_in(rate_path(code))
        try:
            merchant_id = self.registry.public_store(code)["merchant_id"]
        except DomainError as exc:
            return html_error(exc, code, call.locale)
        return step_then(
            lambda: self.registry.rate(call.actor.to_dict(), merchant_id, rating_of(call.form)),
            rate_path(code) + "?rated=true",
            lambda exc: self._rate_form(call, code, error=refusal(exc, call.locale),
                                        status=exc.status))

    def _rate_form(self, call, code, rated=False, error=None, status=200):
        try:
            shop = self.registry.public_store(code)  # not the kept page: a new rating shows
        except DomainError as exc:
            return html_error(exc, code, call.locale)
        return html_page(call, self.settings, "rate_store.html", TEXT, status, shop=shop,
                         store_code=code, rated=rated, error=error)


def rate_path(code):
    return f"/m/stores/{quote(code, safe='')}/rate"
