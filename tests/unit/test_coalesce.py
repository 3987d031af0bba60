"""Group commit among greenthreads (plumbing/coalesce.py): calls that arrive while a batch runs
are run together in the next one, each caller gets its own outcome, and nobody is left waiting
when a batch fails or its leader is killed."""
import eventlet
import pytest

from plumbing.coalesce import BatchInterrupted, Coalescer, Outcome


class Recorder:
    """A run_batch that yields (as a store round trip would) and records the batches it saw."""

    def __init__(self, pause=0.01):
        self.batches, self.pause = [], pause

    def __call__(self, items):
        self.batches.append(list(items))
        eventlet.sleep(self.pause)
        return [Outcome(item * 10) for item in items]


def submit_all(coalescer, run_batch, items, key="k"):
    threads = [eventlet.spawn(lambda i=i: coalescer.submit(key, i, run_batch).unwrap())
               for i in items]
    return [thread.wait() for thread in threads]


def test_a_lone_call_is_a_batch_of_one():
    run = Recorder()
    assert Coalescer().submit("k", 4, run).unwrap() == 40
    assert run.batches == [[4]]


def test_calls_ready_together_make_one_batch_and_each_gets_its_own_answer():
    run = Recorder()
    assert submit_all(Coalescer(), run, range(8)) == [i * 10 for i in range(8)]
    assert run.batches == [[0, 1, 2, 3, 4, 5, 6, 7]]


def test_calls_arriving_during_a_batch_share_the_next():
    run, coalescer = Recorder(pause=0.05), Coalescer()
    first = eventlet.spawn(coalescer.submit, "k", 0, run)
    eventlet.sleep(0.01)  # the first batch is in its round trip
    later = [eventlet.spawn(coalescer.submit, "k", i, run) for i in range(1, 5)]
    assert [t.wait().value for t in [first, *later]] == [0, 10, 20, 30, 40]
    assert run.batches == [[0], [1, 2, 3, 4]]


def test_batches_are_per_key():
    run = Recorder()
    coalescer = Coalescer()
    threads = [eventlet.spawn(coalescer.submit, key, i, run) for i, key in
               enumerate(["a", "b", "a", "b"])]
    assert [t.wait().value for t in threads] == [0, 10, 20, 30]
    assert sorted(run.batches) == [[0, 2], [1, 3]]


def test_batches_hold_at_most_max_batch_items():
    run = Recorder()
    assert submit_all(Coalescer(max_batch=3), run, range(8)) == [i * 10 for i in range(8)]
    assert [len(b) for b in run.batches] == [3, 3, 2]


def test_a_failing_batch_fails_each_of_its_calls_and_the_next_batch_still_runs():
    calls = []

    def run(items):
        calls.append(list(items))
        eventlet.sleep(0.01)
        if len(calls) == 1:
            raise RuntimeError("store away")
        return [Outcome(i) for i in items]

    coalescer = Coalescer()
    threads = [eventlet.spawn(coalescer.submit, "k", 0, run)]
    eventlet.sleep(0.005)  # the first batch is in its round trip
    threads += [eventlet.spawn(coalescer.submit, "k", i, run) for i in range(1, 4)]
    outcomes = [t.wait() for t in threads]
    assert calls == [[0], [1, 2, 3]]
    assert isinstance(outcomes[0].error, RuntimeError)
    assert [o.value for o in outcomes[1:]] == [1, 2, 3]
    assert coalescer._queues == {}  # nothing left behind


def test_per_item_errors_reach_only_their_callers():
    def run(items):
        return [Outcome(error=ValueError(i)) if i % 2 else Outcome(i) for i in items]

    coalescer = Coalescer()
    assert coalescer.submit("k", 2, run).unwrap() == 2
    with pytest.raises(ValueError):
        coalescer.submit("k", 3, run).unwrap()


def test_a_killed_leader_fails_its_batch_and_passes_the_lead_on():
    started = eventlet.event.Event()

    def run(items):
        if not started.ready():
            started.send()
        eventlet.sleep(0.05 if items == [0] else 0)
        return [Outcome(i) for i in items]

    coalescer = Coalescer()
    leader = eventlet.spawn(coalescer.submit, "k", 0, run)
    started.wait()
    follower = eventlet.spawn(coalescer.submit, "k", 1, run)
    eventlet.sleep(0)
    leader.kill()
    assert follower.wait().value == 1
    assert coalescer._queues == {}


def test_a_caller_killed_while_queued_is_dropped_and_the_rest_run():
    run = Recorder(pause=0.02)
    coalescer = Coalescer()
    leader = eventlet.spawn(coalescer.submit, "k", 0, run)
    eventlet.sleep(0)
    doomed = eventlet.spawn(coalescer.submit, "k", 1, run)
    other = eventlet.spawn(coalescer.submit, "k", 2, run)
    eventlet.sleep(0)
    doomed.kill()
    assert leader.wait().value == 0
    assert other.wait().value == 20
    assert run.batches == [[0], [2]]


def test_an_interrupted_batch_tells_its_other_callers_so():
    def run(items):
        eventlet.sleep(0.05)
        return [Outcome(i) for i in items]

    coalescer = Coalescer()
    first = eventlet.spawn(coalescer.submit, "k", 0, run)
    eventlet.sleep(0)
    queued = [eventlet.spawn(coalescer.submit, "k", i, run) for i in (1, 2)]
    eventlet.sleep(0.06)  # the first batch is done; 1 leads the batch [1, 2]
    eventlet.sleep(0)
    assert first.wait().value == 0
    queued[0].kill()  # the leader of [1, 2], in the middle of its batch
    assert isinstance(queued[1].wait().error, BatchInterrupted)
    assert coalescer._queues == {}


def test_submit_many_runs_the_lists_of_concurrent_callers_as_one_and_splits_the_results():
    seen = []

    def run_all(items):
        seen.append(list(items))
        eventlet.sleep(0.01)
        return [item * 10 for item in items]

    coalescer = Coalescer()
    lists = [[1], [2, 3], [], [4, 5, 6]]
    threads = [eventlet.spawn(coalescer.submit_many, "k", items, run_all) for items in lists]
    assert [t.wait() for t in threads] == [[10], [20, 30], [], [40, 50, 60]]
    assert seen == [[1, 2, 3, 4, 5, 6]]  # the empty list asked nothing of the store


def test_submit_many_gives_nones_when_the_batch_returns_nothing_and_raises_its_error():
    coalescer = Coalescer()
    assert coalescer.submit_many("k", ["a", "b"], lambda items: None) == [None, None]

    def fail(items):
        raise ConnectionError("store away")

    with pytest.raises(ConnectionError):
        coalescer.submit_many("k", ["a"], fail)
