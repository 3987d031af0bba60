"""A consumer signs in with a phone and the code sent to it by SMS (the notifications service
keeps the codes); the answer is the same kind of token every other route accepts. The API gives
it in JSON; the pages ``/m/sign-in`` (for a phone's browser arriving from a store's QR code) keep
it in an HttpOnly session cookie and go back to where the consumer came from."""
import re

from contracts.identifiers import phone_of
from gateway.auth import SESSION_COOKIE, issue_token
from gateway.pages import SIGN_IN, html_page, redirect
from gateway.schemas import (
    SignedInSchema,
    SignInCodeRequestSchema,
    SignInCodeSchema,
    SignInPageQuerySchema,
    SignInRequestSchema,
)
from gateway.web import api, json_response
from plumbing.errors import DomainError, validated

TAGS = ["auth"]
_LOCAL_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%?=&+-]{0,500}\Z")  # never another site
TEXT = {
    "zh-CN": {"title": "手机号登录", "phone": "手机号", "send": "获取验证码",
              "sent": "验证码已发送至 %s，5 分钟内有效。", "code": "短信验证码",
              "sign_in": "登录", "again": "换个手机号或重新获取",
              "privacy": "手机号仅用于登录和接收投诉、消费券通知。",
              "bad_phone": "请输入 11 位手机号。",
              "wrong_code": "验证码不正确或已失效，还可尝试 %d 次。",
              "spent_code": "验证码已失效，请重新获取。", "busy": "操作太频繁，请 %d 秒后再试。",
              "down": "短信暂时无法发送，请稍后再试。"},
    "en": {"title": "Sign in with your phone", "phone": "Mobile number", "send": "Send code",
           "sent": "A code was sent to %s; it is valid for 5 minutes.", "code": "Code from the SMS",
           "sign_in": "Sign in", "again": "Use another number or send a new code",
           "privacy": "Your number is used only to sign you in and to tell you about your "
                      "complaints and coupons.",
           "bad_phone": "Enter an 11-digit mobile number.",
           "wrong_code": "The code is wrong or no longer valid; %d tries left.",
           "spent_code": "The code is no longer valid: send a new one.",
           "busy": "Too many tries: wait %d s.", "down": "SMS cannot be sent now; try shortly."},
}


def local_path(text):
    """``text`` when it is a path of this site, else the sign-in page (never another site)."""
    return text if isinstance(text, str) and _LOCAL_PATH.match(text) else SIGN_IN


def masked(phone):
    return f"{phone[:3]}****{phone[-4:]}"


def problem(exc, locale):
    """What the page says for a refusal of the notifications service."""
    text, details = TEXT[locale], exc.details or {}
    if exc.code == "VALIDATION_ERROR":
        return text["bad_phone"]
    if exc.code == "RATE_LIMITED":
        return text["busy"] % details.get("retry_after_seconds", 60)
    if exc.code == "UNAUTHENTICATED":
        left = details.get("tries_left", 0)
        return text["wrong_code"] % left if left else text["spent_code"]
    return text["down"]


class SignInRoutes:
    @api("POST", "/api/v1/auth/sign-in/code", body=SignInCodeRequestSchema,
         response=SignInCodeSchema, status=202, tags=TAGS, rate_limit="sign_in",
         errors=(422, 429, 503),
         summary="Send a six-digit sign-in code to a phone by SMS (a few per phone an hour)")
    def send_sign_in_code(self, call):
        request = validated(SignInCodeRequestSchema(), call.body)
        return json_response(202, self.notifications.send_sign_in_code(request["phone"],
                                                                        call.locale))

    @api("POST", "/api/v1/auth/sign-in", body=SignInRequestSchema, response=SignedInSchema,
         tags=TAGS, rate_limit="sign_in", errors=(401, 422, 429),
         summary="A consumer's token for a phone and its live code (spent by the sign-in)")
    def sign_in(self, call):
        request = validated(SignInRequestSchema(), call.body)
        subject = self.notifications.sign_in_with_code(request["phone"], request["code"])["sub"]
        ttl = self.settings.sign_in_token_ttl_seconds
        return {"token": issue_token(self.settings, {"sub": subject, "role": "consumer"}, ttl),
                "sub": subject, "expires_in_seconds": ttl}

    # --- the pages ----------------------------------------------------------------------------

    @api("GET", "/m/sign-in", query=SignInPageQuerySchema, tags=TAGS,
         summary="The sign-in page for a phone's browser (``next``: where to go afterwards)")
    def sign_in_page(self, call):
        return self._sign_in_page(call, call.query.get("next"))

    @api("POST", "/m/sign-in", tags=TAGS, csrf=True, rate_limit="sign_in", errors=(403,),
         summary="The sign-in page's form: sends the code, then asks for it")
    def sign_in_page_send(self, call):
        form = call.form
        phone = phone_of(form.get("phone"))
        try:
            if phone is None:
                raise DomainError("VALIDATION_ERROR", "not a phone", 422)
            self.notifications.send_sign_in_code(phone, call.locale)
        except DomainError as exc:
            return self._sign_in_page(call, form.get("next"), error=problem(exc, call.locale),
                                      status=exc.status)
        return self._sign_in_page(call, form.get("next"), phone=phone)

    @api("POST", "/m/sign-in/code", tags=TAGS, csrf=True, rate_limit="sign_in", errors=(403,),
         status=303,
         summary="The sign-in page's code: the session cookie, and back to where it started")
    def sign_in_page_code(self, call):
        form = call.form
        phone, next_ = phone_of(form.get("phone")), local_path(form.get("next"))
        try:
            if phone is None:
                raise DomainError("VALIDATION_ERROR", "not a phone", 422)
            subject = self.notifications.sign_in_with_code(phone, form.get("code") or "")["sub"]
        except DomainError as exc:
            return self._sign_in_page(call, next_, phone=phone, error=problem(exc, call.locale),
                                      status=exc.status)
        ttl = self.settings.sign_in_token_ttl_seconds
        response = redirect(next_)
        response.set_cookie(SESSION_COOKIE, issue_token(
            self.settings, {"sub": subject, "role": "consumer"}, ttl), max_age=ttl, path="/",
            secure=self.settings.public_base_url.startswith("https://"), httponly=True,
            samesite="Lax")
        return response

    def _sign_in_page(self, call, next_, phone=None, error=None, status=200):
        return html_page(call, self.settings, "sign_in.html", TEXT, status, next=local_path(next_),
                         phone=phone, masked_phone=masked(phone) if phone else None,
                         error=error)
