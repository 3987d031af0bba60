"""Phone numbers as people write them (full-width digits too), and masked: what complaints'
published text and notifications' logs show of a number."""
import re

# One character for one character, so positions found in the ASCII reading hold in the original.
ASCII_READING = str.maketrans("０１２３４５６７８９＋－（）\u3000", "0123456789+-() ")

MOBILE = re.compile(
    r"(?<![0-9])(?P<prefix>(?:\+?86[- ]?)?)(?P<head>1[3-9][0-9])[- ]?[0-9]{4}[- ]?"
    r"(?P<tail>[0-9]{4})(?![0-9])")
# Area codes starting 01/02 have three digits (010, 021), the others four (0571); local numbers
# never start with 0 or 1.
LANDLINE = re.compile(
    r"(?<![0-9])(?P<area>\(?0(?:[12][0-9]|[3-9][0-9]{2})\)?)(?P<separator>[- ]?)"
    r"(?P<local>[2-9][0-9]{2,3}[- ]?[0-9]{4})(?![0-9])")


def mask_phone(phone):
    """A phone field on its own, for the merchant's view of a complaint: 138****8000.

    An unrecognised shape keeps only its last 2 digits, so nothing unmasked slips through."""
    if not phone:
        return phone
    reading = phone.strip().translate(ASCII_READING)
    for pattern, masked in ((MOBILE, masked_mobile), (LANDLINE, masked_landline)):
        match = pattern.fullmatch(reading)
        if match:
            return masked(match)
    return keep_last(reading, 2)


def masked_mobile(match):
    return f"{match['prefix']}{match['head']}****{match['tail']}"


def masked_landline(match):
    local = match["local"]
    return f"{match['area']}{match['separator']}{keep_last(local, 2)}"


def keep_last(number, kept):
    """Every digit (and a final X) but the last ``kept`` characters replaced by *."""
    head, tail = number[:-kept], number[-kept:]
    return re.sub(r"[0-9Xx]", "*", head) + tail
