"""Durations and thresholds of the complaints service (API.md names where it gives them)."""
from dataclasses import dataclass

from plumbing.config import env_float, env_int, env_str, per_process
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
        deadline_rules=tuple(deadline_rule(kind, days, basis)
                             for kind, (days, basis) in DEADLINE_DEFAULTS.items()),
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


# {kind: (working days, the rule's basis)}: the 12315 rules (市场监督管理投诉举报处理暂行办法)
# and the ODR practice; each can be set in working days or, for drills, in seconds
DEADLINE_DEFAULTS = {
    "screening": (7, "收到投诉之日起七个工作日内决定是否受理"),
    "response": (7, "经营者收到投诉后直接和解的期限"),
    "decision": (7, "消费者对经营者方案作出答复的期限，逾期视为接受"),
    "mediation": (45, "自投诉受理之日起四十五个工作日内未达成调解协议的终止调解"),
}


def deadline_rule(kind, default_days, basis):
    """COMPLAINT_<KIND>_WORKING_DAYS, unless COMPLAINT_<KIND>_SLA_SECONDS is set (calendar
    seconds: drills and tests)."""
    name = f"COMPLAINT_{kind.upper()}"
    if env_str(f"{name}_SLA_SECONDS", None) is not None:
        return DeadlineRule(kind, env_float(f"{name}_SLA_SECONDS", 0), SECONDS, basis)
    return DeadlineRule(kind, env_int(f"{name}_WORKING_DAYS", default_days), WORKING_DAYS,
                        basis)


def rules_of(seconds):
    """A rule of each kind: in ``seconds[kind]`` seconds when given, else the default working
    days."""
    return tuple(DeadlineRule(kind, seconds[kind], SECONDS, basis) if kind in seconds
                 else DeadlineRule(kind, days, WORKING_DAYS, basis)
                 for kind, (days, basis) in DEADLINE_DEFAULTS.items())
