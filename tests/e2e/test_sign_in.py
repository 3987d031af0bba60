"""A consumer signs in with a phone and the code the SMS provider received: the token works
like any other, the phone becomes the address of their SMS, and a code works once, within its
time, for a few tries; a phone gets a few codes an hour."""
import random
import re

from devtools.waiting import poll
from tests.e2e.coupon_steps import error_code

CODE = re.compile(r"\b(\d{6})\b")


def new_phone():
    return f"139{random.randrange(10 ** 8):08d}"


def ask_code(client, phone):
    return client.post("/api/v1/auth/sign-in/code", json={"phone": phone})


def code_sent_to(providers, phone, count=1):
    """The latest of the codes the SMS provider received for ``phone`` (once ``count`` are)."""
    def texts_():
        return [r["payload"]["text"] for r in providers.received(channel="sms", to=phone)]
    texts = poll(texts_, lambda found: len(found) >= count, seconds=10)
    assert len(texts) >= count, texts
    return CODE.search(texts[-1]).group(1)


def sign_in(client, phone, code):
    return client.post("/api/v1/auth/sign-in", json={"phone": phone, "code": code})


def test_a_consumer_signs_in_with_the_code_sent_to_their_phone(client, providers):
    phone = new_phone()
    asked = ask_code(client, f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}")
    assert (asked.status_code, asked.json()) == (202, {"expires_in_seconds": 300})
    code = code_sent_to(providers, phone)
    wrong = sign_in(client, phone, f"{(int(code) + 1) % 10 ** 6:06d}")
    assert (wrong.status_code, error_code(wrong)) == (401, "UNAUTHENTICATED")
    assert wrong.json()["error"]["details"] == {"tries_left": 4}

    signed_in = sign_in(client, phone, code)
    assert signed_in.status_code == 200, signed_in.text
    answer = signed_in.json()
    assert answer["sub"].startswith("p-") and phone not in answer["sub"]
    preferences = client.get("/api/v1/me/preferences", answer["token"])
    assert preferences.status_code == 200, preferences.text
    assert preferences.json()["contacts"]["phone"] == phone
    assert sign_in(client, phone, code).status_code == 401, "a code signs in once"

    ask_code(client, phone)  # the same phone later: the same consumer
    again = sign_in(client, phone, code_sent_to(providers, phone, count=2))
    assert again.json()["sub"] == answer["sub"]


def test_a_code_is_spent_after_five_wrong_tries(client, providers):
    phone = new_phone()
    assert ask_code(client, phone).status_code == 202
    code = code_sent_to(providers, phone)
    wrong = f"{(int(code) + 7) % 10 ** 6:06d}"
    lefts = [sign_in(client, phone, wrong).json()["error"]["details"]["tries_left"]
             for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    assert sign_in(client, phone, code).status_code == 401


def test_a_phone_is_sent_five_codes_an_hour_and_bad_input_is_refused(client, providers):
    phone = new_phone()
    assert [ask_code(client, phone).status_code for _ in range(5)] == [202] * 5
    refused = ask_code(client, phone)
    assert (refused.status_code, error_code(refused)) == (429, "RATE_LIMITED")
    assert refused.json()["error"]["details"]["retry_after_seconds"] > 3000
    for body in ({"phone": "12345"}, {"phone": 13800138000}, {}, {"phone": "1" * 40}):
        answer = client.post("/api/v1/auth/sign-in/code", json=body)
        assert (answer.status_code, error_code(answer)) == (422, "VALIDATION_ERROR"), body
    for code in ("12345", "abcdef", 123456, None):
        answer = client.post("/api/v1/auth/sign-in", json={"phone": phone, "code": code})
        assert (answer.status_code, error_code(answer)) == (422, "VALIDATION_ERROR"), code
