"""Schedules that act once however many replicas run them.

Every replica runs the timer; a pass does its work only in the replica holding the schedule's
lease, a document ``{_id: <schedule>, holder, until}`` in the service's own database. The holder
renews it at every pass and gives it up when it stops (a rolling restart hands the schedule over
at the next pass of another replica); when the holder dies, the lease runs out after
``LEASE_INTERVALS`` of the schedule's intervals and the first replica whose timer fires takes it.
A lease outlasts a pass by design: every pass is bounded (the batches of a schedule stop within
its interval), so two replicas never run one schedule at once. ``until`` is a number of seconds
since the epoch (the embedded store compares numbers exactly, not times) on the replicas' wall
clocks, which are assumed synchronised (NTP).
"""
import functools
import time

from nameko.timer import Timer
from pymongo.errors import DuplicateKeyError

from plumbing.context import new_instance_id

LEASES = "schedule_leases"
LEASE_INTERVALS = 3
SHORTEST_LEASE_SECONDS = 10.0


def lease_seconds(interval):
    return max(LEASE_INTERVALS * interval, SHORTEST_LEASE_SECONDS)


class Leases:
    """The schedule leases of one store, held as one holder (a replica's store)."""

    def __init__(self, collection):
        self.collection = collection
        self.holder = new_instance_id()

    def take(self, name, seconds):
        """Whether this holder has ``name``'s lease for the next ``seconds``: it held it
        already, or the lease was free or had run out."""
        now = time.time()
        taken = {"holder": self.holder, "until": now + seconds}
        if self.collection.update_one(
                {"_id": name, "$or": [{"holder": self.holder}, {"until": {"$lt": now}}]},
                {"$set": taken}).matched_count:
            return True
        try:
            self.collection.insert_one({"_id": name, **taken})
        except DuplicateKeyError:
            return False
        return True

    def holder_of(self, name):
        lease = self.collection.find_one({"_id": name})
        return lease["holder"] if lease and lease["until"] >= time.time() else None

    def release_all(self):
        """Gives up every lease this holder has, so that another replica takes over at once."""
        self.collection.update_many({"holder": self.holder}, {"$set": {"until": 0}})


def seconds_of(interval):
    """An interval given as seconds, or as a function of none that reads them from a settings
    object: read when the container starts, not when the service's class is defined."""
    return interval() if callable(interval) else interval


class SettingsTimer(Timer):
    """nameko's timer whose interval may be read from the settings when it is set up."""
    interval: float

    def setup(self):
        self.interval = seconds_of(self.interval)
        super().setup()


every = SettingsTimer.decorator


def schedule(interval, eager=False):
    """``@every(interval)`` whose passes do their work in one replica at a time (the holder of
    the lease named after the method, in ``self.store``; a service without a store has no
    replicas to agree with). A pass answers whether it ran."""
    def decorate(method):
        @functools.wraps(method)
        def one_pass(self):
            leases = getattr(getattr(self, "store", None), "leases", None)
            seconds = lease_seconds(seconds_of(interval))
            if leases is not None and not leases.take(method.__name__, seconds):
                return False
            method(self)
            return True
        return every(interval=interval, eager=eager)(one_pass)
    return decorate
