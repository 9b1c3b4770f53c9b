"""Identifier validation: RIB key (domain.md §4.1), CNIE (§4.2), INPE (§4.4)."""
import pytest
from django.core.exceptions import ValidationError

from beneficiaries.validators import rib_key, rib_to_iban, validate_cnie, validate_inpe, validate_rib

SAMPLE_RIB = "011519000001205000534921"  # the IBAN registry's Moroccan example


def test_registry_sample_rib_is_valid_and_gives_the_registry_iban():
    validate_rib(SAMPLE_RIB)
    assert rib_key(SAMPLE_RIB[:22]) == "21"
    assert rib_to_iban(SAMPLE_RIB) == "MA64011519000001205000534921"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("011519000001205000534922", "clé du RIB"),
        ("01151900000120500053492", "24 chiffres"),
        ("0115190000012050005349211", "24 chiffres"),
        ("01151900000120500053492A", "24 chiffres"),
        # the same valid RIB in Arabic-Indic digits: Python calls them digits, the bank does not
        ("011519000001205000534921".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), "24 chiffres"),
        ("", "24 chiffres"),
    ],
)
def test_bad_rib_is_refused_with_a_french_message(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_rib(value)
    assert message in exc.value.messages[0]


def test_rib_with_spaces_is_accepted():
    validate_rib("011 519 0000012050005349 21")


@pytest.mark.parametrize("value", ["AB123456", "ab123456", "A1", "BK 654321"])
def test_cnie_accepts_one_or_two_letters_then_digits(value):
    validate_cnie(value)


@pytest.mark.parametrize("value", ["123456", "ABC12345", "AB", "AB123456789", "A-12345"])
def test_cnie_refuses_other_shapes(value):
    with pytest.raises(ValidationError, match="CNIE"):
        validate_cnie(value)


@pytest.mark.parametrize(("value", "ok"), [("123456789", True), ("12345", False), ("12345678901234", False),
                                           ("12345678A", False), ("١٢٣٤٥٦٧٨٩", False)])
def test_inpe_is_digits_only(value, ok):
    if ok:
        validate_inpe(value)
    else:
        with pytest.raises(ValidationError, match="INPE"):
            validate_inpe(value)
