"""How a store page is shown, in every process that shows one: its badge and commitments in
each language (``localized``) and where its buttons lead (``StoreLinks``). Pure."""
from dataclasses import dataclass
from urllib.parse import quote

from contracts.catalogue import (
    INDUSTRIES_EN,
    LICENCE_KINDS_EN,
    UNIT_TYPES_EN,
)


@dataclass(frozen=True)
class StoreLinks:
    """Where a store page's buttons lead: the gateway's pages for a phone's browser by default,
    or a city app's own (``{code}``: the store code, ``{campaign_id}``: a coupon's campaign)."""
    complaint: str = "/m/complaints/new?store_code={code}"
    rate: str = "/m/stores/{code}/rate"
    claim: str = "/m/coupons/claim?campaign_id={campaign_id}&store_code={code}"

    @classmethod
    def read_with(cls, read):
        """The links a process's settings give: ``read(name, default)`` reads one."""
        return cls(complaint=read("STORE_PAGE_COMPLAINT_URL", cls.complaint),
                   rate=read("STORE_PAGE_RATE_URL", cls.rate),
                   claim=read("STORE_PAGE_CLAIM_URL", cls.claim))

    def complaint_url(self, code):
        return _filled(self.complaint, code=code)

    def rate_url(self, code):
        return _filled(self.rate, code=code)

    def claim_url(self, code, campaign_id):
        return _filled(self.claim, code=code, campaign_id=campaign_id)


def _filled(template, **values):
    return template.format(**{name: quote(value or "", safe="") for name, value in values.items()})


GOOD, WARN, BAD, NEUTRAL = "good", "warn", "bad", "neutral"

# status → (badge label, tone, notice shown prominently; None when there is nothing to warn of)
BADGES = {
    "certified": ("放心消费单位", GOOD, None),
    "warned": ("警示", WARN, "该单位因抽检、投诉或证照问题被列入警示名单，请谨慎消费。"),
    "suspended": ("已暂停", BAD,
                  "该单位放心消费单位资格已暂停，暂停期间其承诺不受放心消费单位制度保障。"),
    "delisted": ("已摘牌", BAD, "该单位已被摘除放心消费单位牌匾，不再是放心消费单位。"),
    "pending_onsite": ("审核中", NEUTRAL, "该单位正在申报放心消费单位，尚未通过审核。"),
    "pending_county": ("审核中", NEUTRAL, "该单位正在申报放心消费单位，尚未通过审核。"),
    "pending_final": ("审核中", NEUTRAL, "该单位正在申报放心消费单位，尚未通过审核。"),
    "rejected": ("未通过审核", BAD, "该单位未通过放心消费单位审核。"),
}

_PENDING_EN = ("under review", NEUTRAL,
               "This unit has applied to be a trusted-consumption unit and is not certified yet.")
BADGES_EN = {
    "certified": ("Trusted-consumption unit", GOOD, None),
    "warned": ("Warning", WARN, "This unit is on the warning list after a spot check, complaints "
                                "or a licence problem. Take care when buying here."),
    "suspended": ("Suspended", BAD, "This unit's trusted-consumption status is suspended; its "
                                    "promises are not backed by the programme meanwhile."),
    "delisted": ("Delisted", BAD, "This unit has been delisted and is no longer a "
                                  "trusted-consumption unit."),
    "pending_onsite": _PENDING_EN,
    "pending_county": _PENDING_EN,
    "pending_final": _PENDING_EN,
    "rejected": ("Not certified", BAD, "This unit did not pass the certification review."),
}

BOOLEAN_COMMITMENTS = {
    "cross_store_return": "异地异店退换货",
    "first_inquiry_responsibility": "首问负责制",
    "advance_compensation": "先行赔付",
}

BOOLEAN_COMMITMENTS_EN = {
    "cross_store_return": "Return or exchange at any of its stores",
    "first_inquiry_responsibility": "The first person you ask takes charge",
    "advance_compensation": "Compensation paid in advance",
}
LOCALES = ("zh-CN", "en")

# the trust grade's factors and vetoes (services/registry/trust_grade.py): (zh-CN, en)
GRADE_FACTORS = {
    "complaint_volume": ("投诉量", "Complaint volume"),
    "answered_in_time": ("按时答复", "Complaints answered in time"),
    "resolved": ("投诉解决", "Complaints resolved"),
    "satisfaction": ("消费者评价", "Consumer ratings"),
    "spot_checks": ("监管抽查", "Regulators' spot checks"),
    "licence": ("证照", "Licences"),
}
GRADE_VETOES = {
    "black_listed": ("列入黑榜：最高 1 星", "On the black list: 1 star at most"),
    "licence_expired": ("证照已过期：最高 1 星", "A licence has expired: 1 star at most"),
    "failed_spot_check": ("一年内抽查未通过：最高 2 星",
                          "Failed a spot check within a year: 2 stars at most"),
}


def coupon_of(coupon, code, links):
    """A coupon as a store page lists it, with the link to claim it (None: no campaign)."""
    campaign_id = coupon.get("campaign_id")
    return {**coupon, "claim_url": links.claim_url(code, campaign_id) if campaign_id and code
            else None}


def grade_of(grade):
    """A stored trust grade as a store page shows it, each factor and veto with its zh-CN
    label and each way to raise it with its hint in zh-CN and en; None when it has none."""
    if grade is None:
        return None
    return {
        "score": grade["score"], "stars": grade["stars"], "computed_at": grade["computed_at"],
        "warnings_points": grade["warnings_points"],
        "factors": [{**factor, "label_zh": _label(GRADE_FACTORS, factor["name"])}
                    for factor in grade["factors"]],
        "vetoes": [{"code": code, "label_zh": _label(GRADE_VETOES, code)}
                   for code in grade["vetoes"]],
        "to_raise": [{"factor": hint["factor"], "points": hint["points"],
                      "hint_zh": hint["zh-CN"], "hint_en": hint["en"]}
                     for hint in grade["to_raise"]],
    }


def _label(labels, code, english=False):
    """The (zh-CN, en) label of ``code`` in one language; the code when it has none."""
    return labels.get(code, (code, code))[1 if english else 0]


def _grade_labels(grade, english):
    """The grade's ``label`` and ``hint`` fields in the page's language."""
    if grade is None:
        return None
    return {**grade,
            "factors": [{**f, "label": _label(GRADE_FACTORS, f["name"], english)}
                        for f in grade["factors"]],
            "vetoes": [{**v, "label": _label(GRADE_VETOES, v["code"], english)}
                       for v in grade["vetoes"]],
            "to_raise": [{**r, "hint": r["hint_en"] if english else r["hint_zh"]}
                         for r in grade["to_raise"]]}


def badge_of(status):
    label, tone, notice = BADGES.get(status, (status, NEUTRAL, None))
    return {"status": status, "label_zh": label, "tone": tone, "notice_zh": notice}


def localized(page, locale):
    """The page with its labels in ``locale`` (zh-CN or en): ``badge.label``, ``badge.notice``,
    each commitment's ``label`` and the trust grade's factor and veto ``label`` and ``hint``
    are added, and in en the ``*_label`` fields are English.
    The ``*_zh`` fields stay as they are in both."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    english = locale == "en"
    badge = page["badge"]
    if english:
        label, _, notice = BADGES_EN.get(badge["status"], (badge["status"], NEUTRAL, None))
    else:
        label, notice = badge["label_zh"], badge["notice_zh"]
    shown = {**page, "locale": locale, "badge": {**badge, "label": label, "notice": notice},
             "commitments": [_commitment_label(c, english) for c in page["commitments"]],
             "trust_grade": _grade_labels(page.get("trust_grade"), english)}
    if english:
        shown["unit_type_label"] = UNIT_TYPES_EN.get(page["unit_type"], page["unit_type"])
        shown["industry_label"] = INDUSTRIES_EN.get(page["industry"], page["industry"])
        shown["licences"] = [{**licence, "kind_label": LICENCE_KINDS_EN.get(licence["kind"],
                                                                            licence["kind"])}
                             for licence in page["licences"]]
    return shown


def _commitment_label(commitment, english):
    if not english:
        return {**commitment, "label": commitment["label_zh"]}
    if commitment["key"] == "no_reason_return_days":
        label = f"{commitment['days']}-day no-reason return in store"
    else:
        label = BOOLEAN_COMMITMENTS_EN.get(commitment["key"], commitment["key"])
    return {**commitment, "label": label}
