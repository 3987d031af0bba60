"""How a complaint can end (its ``closing``): one entry per closing, with everything the code
decides by it. A new closing is a new entry here (docs/complaints.md, "A new closing").

Timeliness is not a closing's: it is whether the merchant answered before its deadline, and
the figures count it from the complaint's ``timely``.
"""
from dataclasses import dataclass

LOCALES = ("zh-CN", "en")


@dataclass(frozen=True)
class Closing:
    code: str
    resolved: bool          # counts as resolved: the resolution rate's numerator
    judged: bool            # a judgement on the merchant: the resolution rate's denominator
    against_merchant: bool  # counts towards the merchant's complaint threshold
    invites_rating: bool    # the closing message asks the consumer to rate the handling
    relief: str | None      # the relief a resolved mediation names to close this way
    zh_cn: str
    en: str

    def label(self, locale):
        """Its name in ``locale`` ("zh-CN" or "en"), as pages and messages say it."""
        return {"zh-CN": self.zh_cn, "en": self.en}[locale]


RESOLVED_MONETARY = Closing(
    "resolved_monetary", resolved=True, judged=True, against_merchant=True,
    invites_rating=True, relief="monetary",
    zh_cn="已解决（挽回经济损失）", en="resolved with monetary relief")
RESOLVED_NON_MONETARY = Closing(
    "resolved_non_monetary", resolved=True, judged=True, against_merchant=True,
    invites_rating=True, relief="non_monetary",
    zh_cn="已解决（非经济方式）", en="resolved with non-monetary relief")
UNRESOLVED = Closing(
    "unresolved", resolved=False, judged=True, against_merchant=True, invites_rating=True,
    relief=None, zh_cn="未能解决", en="unresolved")
# the consumer gave up: no judgement on the merchant either way
WITHDRAWN = Closing(
    "withdrawn", resolved=False, judged=False, against_merchant=True, invites_rating=False,
    relief=None, zh_cn="已撤回", en="withdrawn")
# out of scope (a regulator's screening): it must not push a merchant into the warning library
REJECTED = Closing(
    "rejected", resolved=False, judged=False, against_merchant=False, invites_rating=False,
    relief=None, zh_cn="不予受理", en="rejected (out of scope)")
# the consumer left the merchant's remedy unanswered past the decision deadline
ACCEPTED_BY_DEFAULT = Closing(
    "accepted_by_default", resolved=True, judged=True, against_merchant=True,
    invites_rating=True, relief=None,
    zh_cn="逾期未答复，视为接受经营者方案", en="the merchant's proposal accepted by default")
# the mediation deadline passed without an agreement (counted as unresolved)
MEDIATION_ENDED = Closing(
    "mediation_ended", resolved=False, judged=True, against_merchant=True,
    invites_rating=True, relief=None,
    zh_cn="调解期满未达成协议，终止调解", en="mediation ended without agreement")

# in the order of the event contract's enum (docs/events/): add a new closing at the end
CLOSINGS = (RESOLVED_MONETARY, RESOLVED_NON_MONETARY, UNRESOLVED, WITHDRAWN, REJECTED,
            ACCEPTED_BY_DEFAULT, MEDIATION_ENDED)
CODES = tuple(closing.code for closing in CLOSINGS)
RELIEFS = tuple(closing.relief for closing in CLOSINGS if closing.relief)
_BY_CODE = {closing.code: closing for closing in CLOSINGS}


def of(code):
    """The closing of ``code``; KeyError for a code that is not one."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"{code!r} is no closing of contracts/closings.py") from None


def with_relief(relief):
    """The closing of a mediation resolved with ``relief``; KeyError for an unknown relief."""
    for closing in CLOSINGS:
        if closing.relief is not None and closing.relief == relief:
            return closing
    raise KeyError(f"no closing of contracts/closings.py has the relief {relief!r}")


def labels(locale):
    """{code: name in ``locale``} of every closing."""
    return {closing.code: closing.label(locale) for closing in CLOSINGS}


def _check(closings):
    """What every closing must be, checked at import so a wrong entry cannot start."""
    codes = [closing.code for closing in closings]
    if len(set(codes)) != len(codes):
        raise ValueError(f"a closing code is repeated: {codes}")
    for closing in closings:
        if closing.resolved and not closing.judged:
            raise ValueError(f"{closing.code}: a resolved closing is judged (rates stay ≤ 1)")
        if closing.relief is not None and not closing.resolved:
            raise ValueError(f"{closing.code}: only a resolved closing has a relief")
        if not all(closing.label(locale).strip() for locale in LOCALES):
            raise ValueError(f"{closing.code}: a name in every locale {LOCALES}")
    reliefs = [closing.relief for closing in closings if closing.relief]
    if len(set(reliefs)) != len(reliefs):
        raise ValueError(f"two closings share a relief: {reliefs}")


_check(CLOSINGS)
