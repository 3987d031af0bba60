"""Durations and thresholds of the complaints service (API.md names where it gives them)."""
from dataclasses import dataclass

from plumbing.config import env_float, env_int, per_process
from services.complaints.deadlines import SECONDS, WORKING_DAYS, DeadlineRule

DAY = 24 * 3600


@dataclass(frozen=True)
class ComplaintSettings:
    deadline_rules: tuple  # a DeadlineRule of each kind (services/complaints/deadlines.py)
    remind_before_seconds: float
    duplicate_window_seconds: float
    claimant_window_seconds: float
    claimant_merchant_threshold: int
    merchant_threshold: int
    merchant_threshold_window_seconds: float
    hotspot_window_seconds: float
    hotspot_min_count: int
    hotspot_min_growth: float
    filing_lease_seconds: float = 30
    sla_scan_seconds: float = 60
    hotspot_scan_seconds: float = 300

    def rule(self, kind):
        """The deadline rule of ``kind``."""
        return next(rule for rule in self.deadline_rules if rule.kind == kind)


@per_process
def load_settings():
    return ComplaintSettings(
        deadline_rules=(
            deadline_rule("screening", env_int("COMPLAINT_SCREENING_WORKING_DAYS", 7),
                          env_float("COMPLAINT_SCREENING_SLA_SECONDS", None)),
            deadline_rule("response", env_int("COMPLAINT_RESPONSE_WORKING_DAYS", 7),
                          env_float("COMPLAINT_RESPONSE_SLA_SECONDS", None)),
            deadline_rule("decision", env_int("COMPLAINT_DECISION_WORKING_DAYS", 7),
                          env_float("COMPLAINT_DECISION_SLA_SECONDS", None)),
            deadline_rule("mediation", env_int("COMPLAINT_MEDIATION_WORKING_DAYS", 45),
                          env_float("COMPLAINT_MEDIATION_SLA_SECONDS", None))),
        remind_before_seconds=env_float("COMPLAINT_REMIND_BEFORE_SECONDS", 6 * 3600),
        duplicate_window_seconds=env_float("DUPLICATE_COMPLAINT_WINDOW_SECONDS", DAY),
        filing_lease_seconds=env_float("COMPLAINT_FILING_LEASE_SECONDS", 30),
        claimant_window_seconds=env_float("CLAIMANT_WINDOW_SECONDS", 30 * DAY),
        claimant_merchant_threshold=env_int("CLAIMANT_MERCHANT_THRESHOLD", 5),
        merchant_threshold=env_int("MERCHANT_COMPLAINT_THRESHOLD", 5),
        merchant_threshold_window_seconds=env_float("MERCHANT_COMPLAINT_WINDOW_SECONDS",
                                                    30 * DAY),
        hotspot_window_seconds=env_float("HOTSPOT_WINDOW_SECONDS", 7 * DAY),
        hotspot_min_count=env_int("HOTSPOT_MIN_COUNT", 5),
        hotspot_min_growth=env_float("HOTSPOT_MIN_GROWTH", 0.5),
        sla_scan_seconds=env_float("COMPLAINT_SLA_SCAN_SECONDS", 60),
        hotspot_scan_seconds=env_float("HOTSPOT_SCAN_SECONDS", 300),
    )


# the basis of each rule: the 12315 rules (市场监督管理投诉举报处理暂行办法) and the ODR practice
BASES = {
    "screening": "收到投诉之日起七个工作日内决定是否受理",
    "response": "经营者收到投诉后直接和解的期限",
    "decision": "消费者对经营者方案作出答复的期限，逾期视为接受",
    "mediation": "自投诉受理之日起四十五个工作日内未达成调解协议的终止调解",
}
DEFAULT_WORKING_DAYS = {"screening": 7, "response": 7, "decision": 7, "mediation": 45}


def deadline_rule(kind, working_days, seconds=None):
    """The rule of ``kind``: in plain ``seconds`` when set (drills and tests), else in working
    days."""
    if seconds is not None:
        return DeadlineRule(kind, seconds, SECONDS, BASES[kind])
    return DeadlineRule(kind, working_days, WORKING_DAYS, BASES[kind])


def rules_of(seconds):
    """A rule of each kind: in ``seconds[kind]`` seconds when given, else the default working
    days."""
    return tuple(deadline_rule(kind, days, seconds.get(kind))
                 for kind, days in DEFAULT_WORKING_DAYS.items())
