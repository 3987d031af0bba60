import pytest

from contracts.credit_code import ALPHABET, check_character, is_valid

KNOWN_VALID = "91350100M000100Y43"


def with_check(first17):
    return first17 + check_character(first17)


def test_published_example_is_valid():
    assert is_valid(KNOWN_VALID)


def test_check_character_of_published_example():
    assert check_character(KNOWN_VALID[:17]) == "3"


def test_sum_divisible_by_31_gives_zero_not_an_index_error():
    assert check_character("0" * 17) == "0"


@pytest.mark.parametrize("first17", [
    "91110108551385082",
    "12100000400000624",
    "52330106MJ8765432",
    "Y1440300ABCDEFGHJ",
])
def test_computed_codes_are_valid(first17):
    assert is_valid(with_check(first17))


@pytest.mark.parametrize("wrong", sorted(set(ALPHABET) - {"3"}))
def test_every_other_check_character_is_rejected(wrong):
    assert not is_valid(KNOWN_VALID[:17] + wrong)


def test_transposed_digits_are_rejected():
    swapped = KNOWN_VALID[:2] + KNOWN_VALID[3] + KNOWN_VALID[2] + KNOWN_VALID[4:]
    assert not is_valid(swapped)


@pytest.mark.parametrize("code", [
    KNOWN_VALID.lower(),
    "91350100m000100Y43",
    KNOWN_VALID[:17],                      # 17 characters
    KNOWN_VALID + "0",                     # 19 characters
    "",
    " " + KNOWN_VALID,
    "9135A100M000100Y43",                  # letter in the 6-digit region part
    "91350100I000100Y43",
    "91350100O000100Y43",
    "91350100S000100Y43",
    "91350100V000100Y43",
    "91350100Z000100Y43",
    KNOWN_VALID[:17] + "Z",                # check character outside the alphabet
    "9135０100M000100Y43",                 # full-width digit
])
def test_malformed_shapes_are_rejected_without_raising(code):
    assert not is_valid(code)


@pytest.mark.parametrize("code", [None, 91350100, KNOWN_VALID.encode(), list(KNOWN_VALID),
                                  {"$gt": ""}])
def test_non_strings_are_rejected(code):
    assert not is_valid(code)


def test_trailing_newline_is_rejected():
    assert not is_valid(KNOWN_VALID + "\n")
