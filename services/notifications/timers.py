"""The pass of the notifications service's retry schedule: deliveries whose next attempt is
due, attempted again."""
from plumbing.clock import to_rfc3339


class Timers:
    def __init__(self, store, clock, delivering):
        """``delivering``: the Delivering that attempts a delivery."""
        self.store, self.clock, self.delivering = store, clock, delivering

    def retry_deliveries(self):
        """Attempts each delivery due (a batch of them: the rest next pass)."""
        for delivery in self.store.due_deliveries(to_rfc3339(self.clock.now())):
            self.delivering.attempt(delivery)
