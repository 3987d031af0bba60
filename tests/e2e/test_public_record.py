"""The public record through the gateway: the merchant's one public reply beside a published
summary, masked like it; the consumer's withdrawal of consent takes the summary and the reply
out of every public answer within the public cache's time (the gateway keeps no copy of it)."""
import pytest

from devtools.waiting import poll
from tests.e2e.test_complaints import file, filing, post

PHONE_IN_REPLY = "13587654321"


@pytest.fixture
def published(client, shop, consumer):
    """A consented complaint the merchant answered: (merchant_id, merchant token, consumer
    token, complaint id)."""
    merchant_id, merchant, _ = shop
    _, token = consumer
    complaint_id = file(client, token, filing(merchant_id))["complaint_id"]
    answered = post(client, merchant, complaint_id, "responses",
                    {"proposal": "refund", "message": "退款", "amount_fen": 2500})
    assert answered.status_code == 200, answered.text
    return merchant_id, merchant, token, complaint_id


def public_summaries(client, merchant_id):
    return client.get(f"/api/v1/public/merchants/{merchant_id}/complaints")


def summary_of(client, merchant_id, complaint_id):
    items = public_summaries(client, merchant_id).json()["summaries"]
    return next((s for s in items if s["complaint_id"] == complaint_id), None)


def test_the_merchant_replies_publicly_once_beside_the_summary_masked(client, published):
    merchant_id, merchant, _, complaint_id = published
    reply = post(client, merchant, complaint_id, "public-reply",
                 {"text": f"已全额退款，如有疑问请致电 {PHONE_IN_REPLY}"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["public_reply"]["text"].endswith(PHONE_IN_REPLY)  # the merchant's own
    shown = summary_of(client, merchant_id, complaint_id)["merchant_reply"]
    assert shown["text"].startswith("已全额退款") and PHONE_IN_REPLY not in shown["text"]
    again = post(client, merchant, complaint_id, "public-reply", {"text": "再补充一句"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "ALREADY_REPLIED")


def test_a_withdrawn_consent_leaves_every_public_answer_within_the_cache_time(
        client, stack, published):
    merchant_id, merchant, token, complaint_id = published
    assert post(client, merchant, complaint_id, "public-reply",
                {"text": "已退款"}).status_code == 200
    before = public_summaries(client, merchant_id)
    assert any(s["complaint_id"] == complaint_id for s in before.json()["summaries"])
    cache_time = int(stack.env["PUBLIC_CACHE_SECONDS"])
    kept = before.headers.get("Cache-Control", "max-age=0").split("max-age=")[1].split(",")[0]
    assert int(kept) <= cache_time

    withdrawn = post(client, token, complaint_id, "consent", {"public_consent": False})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["public_consent"] is False
    assert withdrawn.json()["timeline"][-1]["event"] == "consent_withdrawn"
    gone = poll(lambda: summary_of(client, merchant_id, complaint_id), lambda s: s is None,
                seconds=cache_time)
    assert gone is None
    after = public_summaries(client, merchant_id)
    assert complaint_id not in after.text
    # no longer published: nothing to reply to, and the figures still count the complaint
    late = post(client, merchant, complaint_id, "public-reply", {"text": "补充"})
    assert late.json()["error"]["code"] == "WRONG_STATE"
    assert after.json()["total"] == before.json()["total"]


def test_only_the_consumer_who_filed_it_changes_consent(client, published, consumer):
    merchant_id, merchant, _, complaint_id = published
    response = post(client, merchant, complaint_id, "consent", {"public_consent": False})
    assert response.status_code == 403
    bad = post(client, consumer[1], complaint_id, "consent", {"public_consent": "maybe"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "VALIDATION_ERROR")
    assert summary_of(client, merchant_id, complaint_id) is not None
