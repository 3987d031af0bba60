"""Sign-in codes (services/notifications/sign_in.py): phones read as people write them, codes
that expire, run out of tries and are never stored as written, a few sends per phone an hour,
and a subject that is the same for a phone every time without revealing it."""
import pytest

from contracts.identifiers import phone_of
from services.notifications import sign_in
from services.notifications.sign_in import SignInRules

RULES = SignInRules(secret="k", code_seconds=300, tries=5, sends_per_hour=3)
PHONE, NOW = "13800138000", 1_800_000_000.0


@pytest.mark.parametrize("written", ["13800138000", "138 0013 8000", "+86 138-0013-8000"])
def test_a_mainland_mobile_is_read_as_people_write_it(written):
    assert phone_of(written) == PHONE


@pytest.mark.parametrize("written", ["", "1380013800", "23800138000", "138001380001", "021-1234",
                                     None, 13800138000, "１３８００１３８０００"])
def test_anything_else_is_not_a_phone(written):
    assert phone_of(written) is None


def test_a_code_is_six_digits_and_stored_only_as_a_digest():
    code = sign_in.new_code()
    assert len(code) == 6 and code.isdigit()
    record = sign_in.issued(RULES, None, PHONE, code, NOW)
    assert code not in str(record) and PHONE not in str(record)
    assert (record["expires_at"], record["tries_left"], record["sent"]) == (NOW + 300, 5, [NOW])


def test_the_live_code_signs_in_a_wrong_one_does_not_and_an_old_one_has_expired():
    record = sign_in.issued(RULES, None, PHONE, "042917", NOW)
    assert sign_in.verdict(RULES, record, PHONE, "042917", NOW + 299) == "ok"
    assert sign_in.verdict(RULES, record, PHONE, "042918", NOW + 1) == "wrong"
    assert sign_in.verdict(RULES, record, "13900139000", "042917", NOW + 1) == "wrong"
    assert sign_in.verdict(RULES, record, PHONE, "042917", NOW + 300) == "expired"
    assert sign_in.verdict(RULES, {**record, "tries_left": 0}, PHONE, "042917", NOW) == "expired"
    assert sign_in.verdict(RULES, {**record, "digest": None}, PHONE, "042917", NOW) == "expired"
    assert sign_in.verdict(RULES, None, PHONE, "042917", NOW) == "expired"


def test_a_phone_is_sent_a_few_codes_an_hour():
    record = None
    for n in range(3):
        assert sign_in.may_send(RULES, record, NOW + n) == 0
        record = sign_in.issued(RULES, record, PHONE, "000000", NOW + n)
    assert sign_in.may_send(RULES, record, NOW + 10) == 3591  # the first send leaves the hour
    assert sign_in.may_send(RULES, record, NOW + 3601) == 0
    assert sign_in.issued(RULES, record, PHONE, "1", NOW + 3601)["sent"] == [NOW + 2, NOW + 3601]


def test_a_subject_is_stable_per_phone_and_reveals_nothing():
    subject = sign_in.subject_of(RULES, PHONE)
    assert subject == sign_in.subject_of(RULES, "13800138000") and subject.startswith("p-")
    assert len(subject) == 28 and "138" not in subject and "8000" not in subject
    assert subject != sign_in.subject_of(RULES, "13900139000")
    assert subject != sign_in.subject_of(SignInRules("another", 300, 5, 3), PHONE)
    assert sign_in.phone_key(RULES, PHONE) != subject
