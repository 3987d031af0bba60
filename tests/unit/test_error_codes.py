"""contracts/errors.py is the one table of error codes: every code the code raises and API.md
names is in it, with the status it is raised with and words in both languages."""
import re
from pathlib import Path

import pytest

from contracts import errors
from gateway.pages import refusal
from plumbing.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
HELPER_STATUS = {"conflict": 409, "forbidden": 403, "not_found": 404}
RAISED = re.compile(r'\b(DomainError|conflict|forbidden|not_found)\(\s*"([A-Z_]+)"'
                    r'(?:,\s*(?:f?"[^"]*"|[a-z_]+)(?:,\s*(?:status=)?(\d{3}))?)?')


def raise_sites():
    """(file, code, status) of every error raised with a literal code (status None: not given
    where the code is written)."""
    for folder in ("plumbing", "services", "gateway"):
        for path in (ROOT / folder).rglob("*.py"):
            for helper, code, status in RAISED.findall(path.read_text(encoding="utf-8")):
                yield path.name, code, int(status) if status else HELPER_STATUS.get(helper)


def codes_of_api_md():
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    return {(code, int(status)) for status, code in
            re.findall(r"\b(\d{3}) `([A-Z][A-Z_]+)`", text)}


def test_every_code_raised_is_in_the_table_with_the_status_it_is_raised_with():
    sites = list(raise_sites())
    assert len(sites) > 40, "the scan found too few raise sites; the pattern is wrong"
    unknown = {code for _, code, _ in sites if errors.of(code) is None}
    assert unknown == set()
    wrong = [(name, code, status) for name, code, status in sites
             if status is not None and status != errors.of(code).status]
    assert wrong == []


def test_every_code_of_api_md_is_in_the_table_with_its_status():
    documented = codes_of_api_md()
    assert len(documented) > 20
    assert {(code, status) for code, status in documented
            if errors.of(code) is None or errors.of(code).status != status} == set()


@pytest.mark.parametrize("error", errors.ERRORS, ids=lambda error: error.code)
def test_every_code_has_words_in_both_languages(error):
    assert error.zh_cn.strip() and error.en.strip()
    assert (error.page_zh_cn is None) == (error.page_en is None)


def test_a_page_says_a_refusal_in_its_language_and_an_unknown_one_in_the_services_words():
    sold_out = DomainError("SOLD_OUT", "the campaign has no coupons left")
    assert refusal(sold_out, "zh-CN") == "消费券已领完。"
    assert refusal(sold_out, "en") == "All coupons have been claimed."
    new = DomainError("SOMETHING_NEW", "a new kind of refusal")
    assert refusal(new, "zh-CN") == refusal(new, "en") == "a new kind of refusal"
