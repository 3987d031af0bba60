"""The computed trust grade of a certified unit, free of I/O: an open formula over what Fangxin
knows (README "The trust grade"; docs/registry.md has the reasoning).

The evidence is kept as decayed sums: each event counts 1 when it happens and half as much
every ``HALF_LIFE_DAYS`` after, so a sum is updated in O(1) as events arrive
(``Decayed.plus``) and read at any later time (``Decayed.at``). The score (0–100) is the sum
of six factors' points less the warnings; veto items cap the stars whatever the score.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

HALF_LIFE_DAYS = 180
EVIDENCE = ("complaints", "answered_in_time", "answered_late", "resolved", "judged", "scans",
            "redemptions", "spot_checks_passed", "spot_checks_failed", "warnings")
REDEMPTION_WEIGHT = 5          # a redemption is a sale: worth five scans of activity
COMPLAINTS_PER_100_AT_ZERO = 5  # complaints per 100 units of activity that take the volume to 0
RATING_WITHOUT_RATINGS = 11 / 3  # a unit nobody rated scores as a mean of 3.67 of 5
WARNING_POINTS = 10
STARS_FROM = ((90, 5), (80, 4), (70, 3), (60, 2))
VETO_YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Decayed:
    """A sum whose terms halve every ``HALF_LIFE_DAYS``, as of ``as_of`` (an aware time)."""
    value: float = 0.0
    as_of: datetime | None = None

    def at(self, moment):
        if self.as_of is None or self.value == 0:
            return 0.0
        days = max((moment - self.as_of).total_seconds(), 0) / 86400
        return self.value * 0.5 ** (days / HALF_LIFE_DAYS)

    def plus(self, amount, moment):
        """The sum after ``amount`` more at ``moment`` (an event older than ``as_of`` counts as
        of ``as_of``, decayed from its own time). An amount taken off (an undone redemption)
        takes it no lower than 0."""
        if self.as_of is not None and moment < self.as_of:
            return Decayed(max(0.0, self.value + Decayed(amount, moment).at(self.as_of)),
                           self.as_of)
        return Decayed(max(0.0, self.at(moment) + amount), moment)


@dataclass(frozen=True)
class Factor:
    name: str
    points: float
    most: float
    hint_zh: str
    hint_en: str


def _share(part, whole, without):
    return part / whole if whole > 0 else without


def factors(evidence, standing, now):
    """The factors of the score: ``evidence`` {name: Decayed} (EVIDENCE), ``standing`` the
    unit's present facts (``rating``: {count, total}, ``licence_days_left``: days until its
    first licence expires)."""
    seen = {name: evidence.get(name, Decayed()).at(now) for name in EVIDENCE}
    activity = seen["scans"] + REDEMPTION_WEIGHT * seen["redemptions"]
    per_100 = 100 * seen["complaints"] / max(activity, 100)
    answered = seen["answered_in_time"] + seen["answered_late"]
    checked = seen["spot_checks_passed"] + seen["spot_checks_failed"]
    rating = standing.get("rating") or {}
    mean = rating["total"] / rating["count"] if rating.get("count") else RATING_WITHOUT_RATINGS
    licence_days = standing.get("licence_days_left")
    return [
        Factor("complaint_volume", 30 * max(0.0, 1 - per_100 / COMPLAINTS_PER_100_AT_ZERO), 30,
               "减少投诉：投诉数相对扫码和核销量越少越好", "fewer complaints for its activity"),
        Factor("answered_in_time", 15 * _share(seen["answered_in_time"], answered, 1.0), 15,
               "在答复期限内答复每一件投诉", "answer every complaint before its deadline"),
        Factor("resolved", 15 * _share(seen["resolved"], seen["judged"], 1.0), 15,
               "与消费者达成和解，解决投诉", "settle complaints with the consumer"),
        Factor("satisfaction", 15 * (mean - 1) / 4, 15,
               "提升消费者评价", "better ratings from consumers"),
        Factor("spot_checks", 15 * _share(seen["spot_checks_passed"], checked, 1.0), 15,
               "通过监管抽查", "pass the regulators' spot checks"),
        Factor("licence", 10 if licence_days is None or licence_days > 30 else 5, 10,
               "及时续期即将到期的证照", "renew the licence that is about to expire"),
    ]


def vetoes(standing, now):
    """(stars at most, code) of each veto item that holds."""
    found = []
    if standing.get("black_listed"):
        found.append((1, "black_listed"))
    if (standing.get("licence_days_left") or 0) < 0:
        found.append((1, "licence_expired"))
    failed = standing.get("last_failed_spot_check_at")
    if failed is not None and now - failed < VETO_YEAR:
        found.append((2, "failed_spot_check"))
    return found


def stars_of(score):
    return next((stars for least, stars in STARS_FROM if score >= least), 1)


def grade(evidence, standing, now):
    """The grade: score, stars (capped by vetoes), the factors and what would raise it."""
    parts = factors(evidence, standing, now)
    warnings = WARNING_POINTS * evidence.get("warnings", Decayed()).at(now)
    score = max(0.0, min(100.0, sum(f.points for f in parts) - warnings))
    caps = vetoes(standing, now)
    stars = min([stars_of(score), *(cap for cap, _ in caps)])
    raise_by = sorted((f for f in parts if f.most - f.points >= 1),
                      key=lambda f: f.points - f.most)
    return {
        "score": round(score, 1), "stars": stars, "computed_at": now.isoformat(),
        "factors": [{"name": f.name, "points": round(f.points, 1), "most": f.most}
                    for f in parts],
        "warnings_points": round(warnings, 1),
        "vetoes": [code for _, code in caps],
        "to_raise": [{"factor": f.name, "points": round(f.most - f.points, 1),
                      "zh-CN": f.hint_zh, "en": f.hint_en} for f in raise_by],
    }


def licence_days_left(licences, today):
    """Days until the first of ``licences`` (``valid_until`` ISO dates) expires."""
    ends = [date.fromisoformat(licence["valid_until"]) for licence in licences]
    return min((end - today).days for end in ends) if ends else None
