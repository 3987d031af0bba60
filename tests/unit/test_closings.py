"""contracts/closings.py is the one home of the complaint closings: every closing is complete,
and the figures, the threshold, the labels, the messages, the pages, the schemas and the event
contract all take what they know of a closing from it, failing on a code that is no closing."""
import dataclasses
import json
from pathlib import Path

import pytest

from contracts import closings
from contracts.schemas.complaints import CLOSINGS, MediationSchema
from gateway.routes.complaint_pages import LABELS, TEXT, closing_name, timeline_rows
from services.complaints import analytics, figures
from services.complaints.events import CONTRACTS, V1_CLOSINGS
from services.notifications.formatting import en_label, invites_rating, zh_label
from services.notifications.templates import LOCALES, render

ROOT = Path(__file__).resolve().parents[2]
EVERY = pytest.mark.parametrize("closing", closings.CLOSINGS, ids=lambda c: c.code)
FLAGS = ("resolved", "judged", "against_merchant", "invites_rating")


def closed_complaint(code, **fields):
    return {"_id": "c-1", "filed_at": "2026-11-21T08:00:00.000000Z", "region": "330106",
            "merchant_id": "m-1", "category": "quality", "status": "closed", "closing": code,
            "timely": True, "satisfaction": None, "amount_recovered_fen": 0,
            "forwarded_at": None, "responded_at": None, **fields}


# --- every closing is complete ----------------------------------------------------------------

@EVERY
def test_every_closing_decides_every_attribute(closing):
    for field in dataclasses.fields(closings.Closing):
        value = getattr(closing, field.name)
        if field.name == "relief":
            assert value is None or value in closings.RELIEFS
        elif field.name in FLAGS:
            assert isinstance(value, bool), field.name
        else:
            assert isinstance(value, str) and value.strip(), field.name


@EVERY
def test_every_closing_is_named_in_both_languages(closing):
    assert set(closings.LOCALES) == set(LOCALES)
    names = {locale: closing.label(locale) for locale in closings.LOCALES}
    assert all(names.values()) and names["zh-CN"] != names["en"]
    assert closings.labels("zh-CN")[closing.code] == names["zh-CN"]


def test_a_code_that_is_no_closing_fails_loudly():
    with pytest.raises(KeyError):
        closings.of("resolved_by_magic")
    with pytest.raises(KeyError):
        closings.with_relief("a_hug")


@pytest.mark.parametrize("change, complaint", [
    ({"judged": False}, "a resolved closing is judged"),
    ({"relief": "monetary", "resolved": False}, "only a resolved closing has a relief"),
    ({"en": " "}, "a name in every locale"),
])
def test_a_wrong_entry_is_refused_at_import(change, complaint):
    wrong = dataclasses.replace(closings.RESOLVED_MONETARY, **change)
    with pytest.raises(ValueError, match=complaint):
        closings._check((wrong,))


def test_two_entries_of_one_code_or_relief_are_refused():
    with pytest.raises(ValueError, match="repeated"):
        closings._check((closings.WITHDRAWN, closings.WITHDRAWN))
    twin = dataclasses.replace(closings.RESOLVED_NON_MONETARY, relief="monetary")
    with pytest.raises(ValueError, match="share a relief"):
        closings._check((closings.RESOLVED_MONETARY, twin))


# --- the vocabulary comes from the home -------------------------------------------------------

def test_the_event_contract_and_the_schemas_list_the_closings_of_the_home():
    assert list(closings.CODES) == CLOSINGS
    closed = CONTRACTS["complaint_closed"].schema()
    assert list(closed.fields["closing"].validators[0].choices) == list(closings.CODES)
    relief = MediationSchema().fields["relief"].validators[0]
    assert list(relief.choices) == list(closings.RELIEFS) == ["monetary", "non_monetary"]


def test_the_committed_event_document_lists_them_in_the_same_order():
    document = json.loads((ROOT / "docs" / "events" / "complaints.complaint_closed.v2.json")
                          .read_text(encoding="utf-8"))
    assert document["properties"]["closing"]["enum"] == list(closings.CODES)


def test_version_1_keeps_its_closings_and_gets_the_nearest_of_each_later_one():
    v1 = next(c for c in CONTRACTS.versions["complaint_closed"] if c.version == 1)
    assert list(v1.schema().fields["closing"].validators[0].choices) == list(V1_CLOSINGS)
    assert list(closings.CODES[:len(V1_CLOSINGS)]) == list(V1_CLOSINGS)
    facts = dict(CONTRACTS["complaint_closed"].example)
    for code in closings.CODES:
        for recovered in (0, 500):
            data = {**facts, "closing": code, "amount_recovered_fen": recovered}
            old = v1.downgrade(data)
            assert v1.problems(old) == {}
            nearest = closings.of(old["closing"])
            assert (nearest.resolved, nearest.judged) == (closings.of(code).resolved,
                                                        closings.of(code).judged)


# --- the figures and the threshold ask it -----------------------------------------------------

@EVERY
def test_the_figures_count_a_closing_as_its_entry_says(closing):
    counted = figures.snapshot(closed_complaint(closing.code))
    expected = {"resolved": int(closing.resolved), "judged": int(closing.judged)}
    regulator = figures.regulator_counts(counted)
    assert {name: regulator[name] for name in expected} == expected
    assert regulator["handled"] == 1
    public = figures.public_counts(counted)
    assert {name: public[name] for name in expected} == expected
    added = figures.contribution(counted)["p|m-1|m|2026-11"]
    assert {name: added.get(name, 0) for name in expected} == expected


@EVERY
def test_the_threshold_counts_a_closing_as_its_entry_says(closing):
    assert analytics.counts_against_merchant(closed_complaint(closing.code)) is \
        closing.against_merchant


def test_the_figures_and_the_threshold_refuse_a_code_that_is_no_closing():
    stranger = closed_complaint("resolved_by_magic")
    with pytest.raises(KeyError):
        figures.contribution(figures.snapshot(stranger))
    with pytest.raises(KeyError):
        analytics.counts_against_merchant(stranger)


# --- the labels, messages and pages ask it ----------------------------------------------------

@EVERY
def test_messages_name_a_closing_and_invite_a_rating_as_its_entry_says(closing):
    assert zh_label(closing.code, "closing") == closing.label("zh-CN")
    assert en_label(closing.code, "closing") == closing.label("en")
    assert invites_rating(closing.code) is closing.invites_rating
    data = {"complaint_id": "c-1", "merchant_id": "m-1", "consumer": "carol",
            "region": "330106", "industry": "catering", "category": "quality",
            "closing": closing.code, "timely": True, "amount_recovered_fen": 0,
            "by_deadline": False}
    for locale, invitation in (("zh-CN", "满意度评价"), ("en", "rate how it was handled")):
        _, body = render("complaint_closed", locale, data)
        assert closing.label(locale) in body
        assert (invitation in body) is closing.invites_rating
        _, body = render("complaint_closed_merchant", locale, {**data, "by_deadline": True})
        assert closing.label(locale) in body and invitation not in body


@EVERY
def test_the_complaint_page_names_a_closing_in_the_consumer_s_language(closing):
    complaint = {"timeline": [{"at": "2026-11-23T02:00:00Z", "event": "closed",
                               "note": closing.code}]}
    for locale in LOCALES:
        [(_, _, note, _)] = timeline_rows(complaint, LABELS[locale], TEXT[locale])
        assert note == closing_name(closing.code, LABELS[locale]) == closing.label(locale)


def test_labels_refuse_a_code_that_is_no_closing():
    for name in (lambda: zh_label("resolved_by_magic", "closing"),
                 lambda: en_label("resolved_by_magic", "closing"),
                 lambda: invites_rating("resolved_by_magic"),
                 lambda: closing_name("resolved_by_magic", LABELS["en"])):
        with pytest.raises(KeyError):
            name()
