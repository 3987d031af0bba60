import pytest

from services.notifications.channels import backoff_seconds


def test_the_first_retry_waits_the_base():
    assert backoff_seconds(1, base=30, cap=3600) == 30


def test_each_retry_waits_twice_as_long():
    assert [backoff_seconds(n, 30, 3600) for n in range(1, 6)] == [30, 60, 120, 240, 480]


def test_the_wait_stops_growing_at_the_cap():
    assert [backoff_seconds(n, 30, 3600) for n in (7, 8, 9)] == [1920, 3600, 3600]


def test_fractions_of_a_second_double_too():
    assert [backoff_seconds(n, 0.1, 1) for n in (1, 2, 3, 4, 5)] == [0.1, 0.2, 0.4, 0.8, 1]


def test_a_very_late_retry_waits_the_cap_without_overflowing():
    assert backoff_seconds(10_000, 0.5, 60) == 60


def test_the_schedule_is_the_same_every_time():
    assert [backoff_seconds(3, 5, 100) for _ in range(5)] == [20] * 5


@pytest.mark.parametrize("attempt", [0, -1])
def test_attempts_count_from_one(attempt):
    with pytest.raises(ValueError):
        backoff_seconds(attempt, 30, 3600)
