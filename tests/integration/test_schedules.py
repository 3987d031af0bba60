"""Schedules act once across replicas (plumbing/schedules.py), on the real store: three
replicas of one service run its timer, one replica's passes do the work, never two at once,
and another takes over when the holder stops or dies."""
import time

import eventlet
import pytest
from nameko.containers import ServiceContainer

from devtools.waiting import poll
from plumbing.mongo import BaseStore, Mongo
from plumbing.schedules import LEASES, Leases, lease_seconds, schedule
from plumbing.service import FangxinService

TICK_SECONDS = 0.05


class TickStore(BaseStore):
    pass


class TickService(FangxinService):
    name = "ticker"
    store = Mongo(TickStore)

    @schedule(interval=TICK_SECONDS)
    def tick(self):
        started = time.time()
        eventlet.sleep(TICK_SECONDS / 2)
        self.store.db["ticks"].insert_one({"holder": self.store.leases.holder,
                                           "started": started, "ended": time.time()})


@pytest.fixture
def leases(empty_database):
    db = empty_database("ticker")
    return lambda: Leases(db[LEASES])


def test_a_lease_has_one_holder_until_it_is_given_up_or_runs_out(leases):
    first, second = leases(), leases()
    assert first.take("scan", 30)
    assert not second.take("scan", 30)
    assert first.take("scan", 30)  # the holder renews it
    first.release_all()
    assert second.take("scan", 0.2)
    assert not first.take("scan", 30)
    assert poll(lambda: first.take("scan", 30), bool, seconds=5)  # the second's ran out
    assert first.holder_of("scan") == first.holder


def ticks(db):
    return list(db["ticks"].find({}, {"_id": 0}).sort("started", 1))


def assert_one_at_a_time(passes):
    for earlier, later in zip(passes, passes[1:]):
        assert later["started"] >= earlier["ended"], "two passes ran at once"


def start_replicas(config, n):
    containers = [ServiceContainer(TickService, config) for _ in range(n)]
    for container in containers:
        container.start()
    return containers


def test_three_replicas_run_each_pass_once_and_hand_over_when_the_holder_stops(config,
                                                                             empty_database):
    db = empty_database("ticker")
    containers = start_replicas(config, 3)
    try:
        passes = poll(lambda: ticks(db), lambda found: len(found) >= 20, seconds=20)
        holders = {p["holder"] for p in passes}
        assert len(holders) == 1, f"passes ran in {len(holders)} replicas"
        assert_one_at_a_time(passes)
        [holder] = holders
        stopping = next(c for c in containers if _holder(c) == holder)
        stopping.stop()
        containers.remove(stopping)
        stopped_at = time.time()
        later = poll(lambda: [p for p in ticks(db) if p["started"] > stopped_at],
                     lambda found: len(found) >= 10, seconds=20)
        assert {p["holder"] for p in later} <= {_holder(c) for c in containers}
        assert len({p["holder"] for p in later}) == 1
        assert_one_at_a_time(ticks(db))
    finally:
        for container in containers:
            container.stop()


def test_a_dead_holder_is_replaced_once_its_lease_runs_out(config, empty_database):
    db = empty_database("ticker")
    containers = start_replicas(config, 2)
    try:
        [first] = poll(lambda: ticks(db), bool, seconds=20)[:1]
        dying = next(c for c in containers if _holder(c) == first["holder"])
        dying.kill()  # no stop: its lease is not given up
        containers.remove(dying)
        died_at = time.time()
        [survivor] = containers
        taken = poll(lambda: [p for p in ticks(db) if p["holder"] == _holder(survivor)], bool,
                     seconds=lease_seconds(TICK_SECONDS) + 10)
        assert taken[0]["started"] - died_at <= lease_seconds(TICK_SECONDS) + 1
        assert_one_at_a_time(ticks(db))
    finally:
        for container in containers:
            container.stop()


def _holder(container):
    """The lease holder name of a replica: its store's."""
    [store] = [d for d in container.dependencies if isinstance(d, Mongo)]
    return store.store.leases.holder
