"""Group commit for the greenthreads of one process: concurrent calls that would each make the
same few store round trips are run together, so a batch of k makes those round trips once.

The first caller of a key leads: it first lets every greenthread that is ready to run go (one
yield, no timer: work that arrived together, such as the messages of one socket read, queues
behind it), then runs the batch of every item queued for that key (its own first) and hands each
caller its outcome. Callers that arrive during the batch queue; when it is done, the first of
them leads the next one. Nobody waits for a timer: under light load every batch holds one item,
under a rush batches grow to the concurrency of the process.
"""
from collections import deque
from dataclasses import dataclass
from typing import Any

import eventlet
from eventlet.event import Event


@dataclass
class Outcome:
    """What one item of a batch came to: a value, or the error its caller raises."""
    value: Any = None
    error: BaseException | None = None

    def unwrap(self):
        if self.error is not None:
            raise self.error
        return self.value


def attempt(compute):
    """``compute()``'s outcome, its exception included."""
    try:
        return Outcome(compute())
    except Exception as exc:
        return Outcome(error=exc)


class BatchInterrupted(Exception):
    """The greenthread running the batch was killed before it finished."""


class _Ticket:
    def __init__(self, item):
        self.item = item
        self.outcome = None
        self.leads = False
        self.called = Event()  # sent once: with the outcome, or to lead


class Coalescer:
    def __init__(self, max_batch=100):
        self.max_batch = max_batch
        self._queues = {}  # key -> tickets waiting; a key is here while it has a leader

    def submit(self, key, item, run_batch):
        """``item``'s outcome (an ``Outcome``) from ``run_batch(items) -> [Outcome]``, run with
        the items of other callers of the same key."""
        ticket = _Ticket(item)
        queue = self._queues.get(key)
        if queue is None:
            self._queues[key] = deque([ticket])
            ticket.leads = True
        else:
            queue.append(ticket)
            self._wait(key, ticket)
        if ticket.leads:
            self._lead(key, run_batch)
        return ticket.outcome

    def submit_many(self, key, items, run_all):
        """The results for ``items``, one per item, from ``run_all(all_items)`` run over the
        items of every caller of ``key`` at once; ``run_all`` returns one result per item, or
        None when it has nothing to hand back. Raises what ``run_all`` raised."""
        def run_batch(lists):
            everything = [item for items_of_one in lists for item in items_of_one]
            results = run_all(everything)
            if results is None:
                results = [None] * len(everything)
            outcomes, start = [], 0
            for items_of_one in lists:
                outcomes.append(Outcome(results[start:start + len(items_of_one)]))
                start += len(items_of_one)
            return outcomes

        if not items:
            return []
        return self.submit(key, list(items), run_batch).unwrap()

    def _wait(self, key, ticket):
        try:
            ticket.called.wait()
        except BaseException:  # killed while queued: never lead, or pass the lead on
            queue = self._queues.get(key)
            if queue is not None and ticket in queue:
                queue.remove(ticket)
            if ticket.leads:
                self._pass_lead(key)
            raise

    def _lead(self, key, run_batch):
        eventlet.sleep(0)
        queue = self._queues[key]
        batch = [queue.popleft() for _ in range(min(len(queue), self.max_batch))]
        interrupted = None
        try:
            outcomes = run_batch([t.item for t in batch])
        except Exception as exc:
            outcomes = [Outcome(error=exc)] * len(batch)
        except BaseException as exc:  # the leader is being killed: the others must not hang
            interrupted = exc
            outcomes = [Outcome(error=BatchInterrupted())] * len(batch)
        self._pass_lead(key)
        for ticket, outcome in zip(batch, outcomes, strict=True):
            ticket.outcome = outcome
            if not ticket.leads:
                ticket.called.send()
        if interrupted is not None:
            raise interrupted

    def _pass_lead(self, key):
        queue = self._queues[key]
        if queue:
            queue[0].leads = True
            queue[0].called.send()
        else:
            del self._queues[key]
