"""The nameko class CouponsService run in-process through nameko's worker_factory, its
dependencies replaced (an in-memory store, a FixedClock, the registry's fake): each entrypoint
decodes its input, checks who acts and hands over to the application code."""
from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from plumbing.clock import FixedClock
from plumbing.coalesce import Coalescer
from plumbing.errors import DomainError
from plumbing.expiring_cache import ExpiringCache
from services.coupons.claims import ClaimRequest
from services.coupons.service import CouponsService
from services.coupons.settings import CouponSettings
from tests.unit.fakes.coupon_store import FakeCouponStore
from tests.unit.fakes.registry_rpc import FakeRegistry

CONSUMER = {"sub": "c-1", "role": "consumer"}
OPERATOR = {"sub": "op-1", "role": "operator"}
MERCHANT = {"sub": "till-1", "role": "merchant", "merchant_id": "m-1"}
CAMPAIGN = {"name": "国庆餐饮消费券", "kind": "voucher", "face_value_fen": 1000, "min_spend_fen": 0,
            "total_quantity": 5, "per_consumer_limit": 1,
            "claim_starts_at": "2026-10-01T08:00:00Z", "claim_ends_at": "2026-10-08T00:00:00Z",
            "valid_days": 30}


@pytest.fixture
def service():
    return worker_factory(
        CouponsService, store=FakeCouponStore(),
        clock=FixedClock(datetime(2026, 10, 1, 9, tzinfo=UTC)),
        settings=CouponSettings(stock_shards=1, rollback_seconds=3600,
                                expiring_before_seconds=3600),
        registry=FakeRegistry(), recent_campaigns=ExpiringCache(60, 100),
        claim_batches=Coalescer(), key_lookups=Coalescer())


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_a_bad_claim_body_is_the_validation_error_and_reaches_nothing(service):
    service.claiming = Mock()
    error = refusal(lambda: service.claim(CONSUMER, "camp-1", {"merchant_id": 7}))
    assert (error.code, error.status) == ("VALIDATION_ERROR", 422)
    assert "merchant_id" in error.details
    service.claiming.claim.assert_not_called()


@pytest.mark.parametrize("call", [
    lambda s: s.claim(MERCHANT, "camp-1", {}),
    lambda s: s.my_coupons(OPERATOR),
    lambda s: s.my_coupon(MERCHANT, "coupon-1"),
    lambda s: s.redeem(CONSUMER, {"code": "abc", "order_amount_fen": 100}),
    lambda s: s.roll_back(OPERATOR, "r-1", {"reason": "refund"}),
    lambda s: s.create_campaign(CONSUMER, CAMPAIGN),
    lambda s: s.change_campaign(MERCHANT, "camp-1", "pause"),
])
def test_the_wrong_role_is_forbidden_before_anything_is_read(service, call):
    service.claiming, service.redemptions, service.campaigns = Mock(), Mock(), Mock()
    error = refusal(lambda: call(service))
    assert (error.code, error.status) == ("FORBIDDEN", 403)
    for application in (service.claiming, service.redemptions, service.campaigns):
        assert application.mock_calls == []


def test_a_good_claim_is_handed_to_the_claim_path(service):
    service.claiming = Mock()
    service.claiming.claim.return_value = {"coupon_id": "x"}
    answer = service.claim(CONSUMER, "camp-1", {"merchant_id": "m-1"}, "key-1")
    assert answer == {"coupon_id": "x"}
    [call] = service.claiming.claim.call_args_list
    assert call.args == (ClaimRequest("camp-1", "c-1", {"merchant_id": "m-1"}, "key-1", None),)


def test_a_good_redemption_is_handed_over_with_the_acting_merchant(service):
    service.redemptions = Mock()
    service.redeem(MERCHANT, {"code": "abc", "order_amount_fen": 100}, "till-key")
    service.redemptions.redeem.assert_called_once_with(
        "m-1", {"code": "abc", "order_amount_fen": 100}, "till-key")


def test_claims_made_together_answer_each_its_own(service):
    campaign = service.create_campaign(OPERATOR, CAMPAIGN)
    service.change_campaign(OPERATOR, campaign["campaign_id"], "activate")
    answers = service.claim_together([
        {"actor": CONSUMER, "campaign_id": campaign["campaign_id"], "payload": {},
         "idempotency_key": "k-1", "request_id": "r-1"},
        {"actor": MERCHANT, "campaign_id": campaign["campaign_id"], "payload": {},
         "idempotency_key": None, "request_id": "r-2"},
        {"actor": {"sub": "c-2", "role": "consumer"}, "campaign_id": campaign["campaign_id"],
         "payload": {"merchant_id": 1}, "idempotency_key": None, "request_id": "r-3"},
    ])
    assert answers[0]["value"]["code"] and answers[0]["value"]["status"] == "active"
    assert answers[1]["error"]["code"] == "FORBIDDEN"
    assert answers[2]["error"]["code"] == "VALIDATION_ERROR"
    assert service.get_campaign(campaign["campaign_id"])["remaining"] == 4
    assert [c["coupon_id"] for c in service.my_coupons(CONSUMER)["items"]] == [
        answers[0]["value"]["coupon_id"]]


def test_a_schedule_pass_runs_through_the_timers(service):
    service.timers = Mock()
    assert service.keep_time() is True  # no lease to take: the fake store has no replicas
    service.timers.keep_time.assert_called_once_with()
