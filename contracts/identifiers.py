"""The identifiers every service checks the same way: phone numbers, the administrative
division codes regions are named by, and the tags of consumers' groups."""
import re

from marshmallow import ValidationError, validate

from contracts.catalogue import PROVINCES

PHONE = validate.Regexp(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})\Z",
                        error="not a mobile or landline number")


def region_code(value):
    """A 6-digit administrative division code with a known province; a province-level code
    (``xx0000``) has no county part."""
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{6}", value)):
        raise ValidationError("a 6-digit administrative division code")
    if value[:2] not in PROVINCES:
        raise ValidationError(f"unknown province code {value[:2]}")
    if value[2:4] == "00" and value[4:] != "00":
        raise ValidationError("a county code needs its city part")


CONSUMER_TAG = re.compile(r"[A-Za-z0-9_-]{1,40}")
TAG_WORDS = "1-40 letters, digits, _ or -"
MAX_TAGS = 20


def _is_tag(value):
    return isinstance(value, str) and CONSUMER_TAG.fullmatch(value) is not None


def consumer_tag(value):
    """A group the consumer's identity provider vouches for (a token's ``tags``), such as
    ``medical_worker``: what a ballot's quota may be reserved for."""
    if not _is_tag(value):
        raise ValidationError(TAG_WORDS)


def tags_problem(tags):
    """What is wrong with a token's ``tags`` claim, or None."""
    if not isinstance(tags, list) or len(tags) > MAX_TAGS or not all(map(_is_tag, tags)):
        return f"tags is a list of up to {MAX_TAGS} tags of {TAG_WORDS}"
    return None


MOBILE = re.compile(r"1[3-9]\d{9}")


def phone_of(text):
    """The 11-digit mainland mobile number ``text`` holds (spaces, dashes, +86 allowed), or
    None."""
    if not isinstance(text, str):
        return None
    digits = re.sub(r"[\s-]", "", text)
    digits = digits[3:] if digits.startswith("+86") else digits
    return digits if MOBILE.fullmatch(digits) else None
