"""What regulators and the licence registry's feed do to certified units: actions (warn,
suspend, restore, delist, red and black lists), stars, the feed's events, the complaints
service's threshold, and the random spot checks (drawn per county, completed with a result)."""
import logging
import random
import uuid

from contracts import credit_code
from plumbing.actors import jurisdiction_of, jurisdiction_prefix
from plumbing.documents import visible
from plumbing.errors import conflict, forbidden, not_found
from services.registry import certification, counting, domain, listing, spot_checks
from services.registry.events import envelopes

log = logging.getLogger(__name__)

COMPLAINT_THRESHOLD_REASON = "投诉量超过阈值"


class Regulation:
    def __init__(self, store, clock, merchants, rng=None, new_id=None):
        """``merchants``: the Merchants over the same store; ``rng`` draws the spot checks'
        samples, ``new_id()`` names their batches."""
        self.store, self.clock, self.merchants = store, clock, merchants
        self.rng = rng or random.SystemRandom()
        self.new_id = new_id or (lambda: uuid.uuid4().hex)

    # --- regulators' actions -----------------------------------------------------------------

    def act(self, actor, merchant_id, action, reason):
        return domain.view(self.merchants.change(merchant_id, lambda m: certification.act(
            m, actor, action, reason, self.merchants.now())))

    def set_stars(self, actor, merchant_id, stars, reason=""):
        return domain.view(self.merchants.change(merchant_id, lambda m: certification.set_stars(
            m, actor, stars, self.merchants.now(), reason)))

    def licence_event(self, actor, event, code, changes):
        """The business-licence registry's feed: revoked, deregistered, abnormal listing."""
        merchant = self.store.by_credit_code(code)
        # a regulator's word counts in its jurisdiction only, also for units not yet registered
        region = merchant["region"] if merchant else credit_code.registration_region(code)
        if actor.role == "regulator" and not actor.has_jurisdiction_over(region):
            raise forbidden("OUT_OF_JURISDICTION", "the merchant is outside your region")
        if event in ("abnormal_listed", "abnormal_cleared"):
            self.store.set_abnormal_listed(code, event == "abnormal_listed",
                                           self.merchants.now())
        if merchant is None:
            return {"credit_code": code, "merchant_id": None, "status": None, "changed": False}
        by = f"{actor.role}:{actor.sub}"
        decisions = []  # the last one is what was written; the outbox relay moves versions too

        def decide(current):
            decisions.append(certification.licence_feed(current, event, changes, by,
                                                        self.merchants.now()))
            return decisions[-1]

        saved = self.merchants.change(merchant["_id"], decide)
        return {"credit_code": code, "merchant_id": saved["_id"], "status": saved["status"],
                "changed": decisions[-1] is not None}

    def complaint_threshold(self, merchant_id):
        """The complaints service says the merchant's complaints crossed the threshold: to the
        warning library (an unknown merchant is logged and left)."""
        if not isinstance(merchant_id, str) or self.store.get_merchant(merchant_id) is None:
            log.warning("complaint threshold for an unknown merchant", extra={
                "merchant_id": str(merchant_id)})
            return
        self.merchants.change(merchant_id, lambda m: certification.warn_automatically(
            m, COMPLAINT_THRESHOLD_REASON, self.merchants.now()))

    # --- spot checks ---------------------------------------------------------------------------

    def create_spot_checks(self, actor, region, sample_size):
        """A batch of spot checks: up to ``sample_size`` units of each county of ``region``."""
        certification.require_regulator(actor, {"region": region}, spot_checks.ASSIGNING_LEVEL)
        sample = self._draw(jurisdiction_prefix(region), sample_size)
        batch_id = self.new_id()
        tasks = spot_checks.new_tasks(batch_id, sample, actor.sub, self.merchants.now())
        events = {task["_id"]: envelopes([spot_checks.assigned_event(task)], self.clock)
                  for task in tasks}
        self.store.insert_spot_checks(tasks, events)
        return {"batch_id": batch_id, "items": [task_view(t) for t in tasks]}

    def propose_spot_check(self, data):
        """A spot check of a merchant whose coupon settlement was held for cash-out signals
        (a unit no longer certified or warned has none)."""
        merchant = self.store.get_merchant(data["merchant_id"])
        if merchant is None or merchant["status"] not in spot_checks.CHECKED_STATUSES:
            return
        task = spot_checks.proposed_task(data["campaign_id"], merchant, self.merchants.now())
        self.store.insert_spot_checks([task], {task["_id"]: envelopes(
            [spot_checks.assigned_event(task)], self.clock)})

    def _draw(self, region_prefix, sample_size):
        """Up to ``sample_size`` units at random from each county of the region."""
        sample = []
        for county, size in sorted(self.store.checkable_counties(region_prefix).items()):
            drawn = spot_checks.draw_county(
                lambda place, after, county=county: self.store.first_drawn_from(
                    county, place, after), min(sample_size, size), self.rng)
            for unit in drawn:
                self.store.redraw(unit, spot_checks.new_draw(self.rng))
            sample += drawn
        return sample

    def grade_distribution(self, actor, region=None):
        """The graded units of ``region`` (default: the actor's jurisdiction) by the stars of
        their trust grade, from the county counters."""
        region = region or actor.region
        within = jurisdiction_of(actor, region)
        return {"region": region,
                **counting.grade_distribution(self.store.county_counters(within))}

    def spot_check_page(self, actor, query):
        tasks, next_cursor = self.store.spot_check_page(listing.spot_check_ranges(actor, query),
                                                        query.get("cursor"),
                                                        query.get("limit", 20))
        return {"items": [task_view(t) for t in tasks], "next_cursor": next_cursor}

    def spot_check_result(self, actor, task_id, result, notes):
        task = self.store.get_spot_check(task_id)
        if task is None:
            raise not_found(message="no such spot check")
        now = self.merchants.now()
        # the merchant moves first: if we die before the task is marked, a retry is harmless
        merchant = self.merchants.change(task["merchant_id"], lambda m: spot_checks.complete(
            task, m, actor, result, notes, now)[1])
        task_fields, _ = spot_checks.complete(task, merchant, actor, result, notes, now)
        completed = {**task, **task_fields}
        saved = self.store.complete_spot_check(task, task_fields, envelopes(
            [spot_checks.completed_event(completed, merchant["status"])], self.clock))
        if saved is None:
            raise conflict("WRONG_STATE", "this spot check already has its result")
        return task_view(saved)


def task_view(task):
    return {"task_id": task["_id"], **visible(task)}
