"""The unified social credit code (统一社会信用代码) of GB 32100-2015."""
import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}\Z")


def check_character(first17):
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code):
    return (isinstance(code, str) and SHAPE.match(code) is not None
            and check_character(code[:17]) == code[17])


def registration_region(code):
    """The administrative division code (characters 3-8) of the authority that registered it."""
    return code[2:8]
