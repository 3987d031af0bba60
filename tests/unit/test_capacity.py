"""The holiday capacity model (bench/capacity.py, docs/capacity.md): arithmetic on the bench's
per-attempt figures."""
import pytest

from bench.capacity import Holiday, mean_costs, plan, replicas

COSTS = {"cpu_ms_per_attempt": {"gateway": 1.6, "coupons": 0.56, "notifications": 0.25,
                                "rabbitmq": 0.32},
         "broker_per_attempt": {"messages_published": 0.39, "messages_delivered": 0.39},
         "coupons_per_attempt": 0.25}


def test_the_holiday_shape():
    holiday = Holiday()
    # half of a million in the first minute, its busiest seconds 1.5 x its mean, 3 attempts each
    assert holiday.peak_arrivals == pytest.approx(12_500)
    assert holiday.peak_attempts == pytest.approx(37_500)
    assert holiday.later_attempts == pytest.approx(500_000 * 3 / 540)
    assert holiday.sold_out_after == pytest.approx(8)


def test_replicas_fill_one_core_per_pod_to_the_target():
    assert replicas(7.0) == 10  # 7 cores at 0.7 of one core each
    assert replicas(7.01) == 11
    assert replicas(0.0) == 1
    assert replicas(3.0, pod_cores=2, target=0.5) == 3


def test_the_plan_scales_each_process_by_its_cost_per_attempt():
    need = plan(Holiday(), COSTS)
    gateway = need["processes"]["gateway"]
    assert gateway["cores"] == pytest.approx(37_500 * 1.6 / 1000)
    assert gateway["replicas"] == replicas(60)
    assert gateway["later_replicas"] == replicas(2_777.8 * 1.6 / 1000)
    # notifications work per coupon: 1 ms each here, 100,000 of them drained in 120 s
    assert need["processes"]["notifications"]["cores"] == pytest.approx(100_000 * 1e-3 / 120)
    assert need["broker"]["published_per_s"] == pytest.approx(37_500 * 0.39)
    assert need["store"]["writes_per_s"]["coupons"] == pytest.approx(12_500 * 6)
    assert need["store"]["stored_gb"] == pytest.approx(0.31)


def test_a_smaller_first_minute_needs_fewer_pods():
    calm = plan(Holiday(first_minute_share=0.1), COSTS)["processes"]["gateway"]
    assert calm["replicas"] < plan(Holiday(), COSTS)["processes"]["gateway"]["replicas"]


def test_mean_costs_average_runs():
    def run(gateway):
        return {"sizes": {"stock": 5000, "attempts": 20_000}, "scaleout": {"single": {
            "cpu_ms_per_attempt": {"gateway": gateway}, "broker_per_attempt": {"rpc": 0.1}}}}
    mean = mean_costs([run(1.0), run(2.0)], "single")
    assert mean == {"cpu_ms_per_attempt": {"gateway": 1.5}, "broker_per_attempt": {"rpc": 0.1},
                    "coupons_per_attempt": 0.25}
