"""Identifier validation: RIB (domain.md §4.1), CNIE (§4.2). Messages name the field, in French."""
import re

from django.core.exceptions import ValidationError

from amo_portal.rib import RIB_LENGTH, normalise_rib, rib_key, rib_key_ok, rib_to_iban  # noqa: F401 (this app's RIB API)

_CNIE = re.compile(r"^[A-Z]{1,2}[0-9]{1,8}$")
#: Digits as an Arabic keyboard types them: Arabic-Indic (U+0660-0669) and Eastern Arabic-Indic (U+06F0-06F9).
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


def ascii_digits(value: str) -> str:
    """The text with digits typed on an Arabic keyboard written 0-9, as the registry, the bank files
    and the validators below know them. Applied where insured persons type (portal forms and API
    fields); the validators themselves accept 0-9 only, so nothing else is ever stored."""
    return value.translate(_ARABIC_DIGITS)


def validate_rib(value: str) -> None:
    """A Moroccan RIB: 24 digits whose number is divisible by 97 (key check, domain.md §4.1)."""
    rib = normalise_rib(value)
    if not (rib.isascii() and rib.isdigit()) or len(rib) != RIB_LENGTH:  # "٣" is a digit to Python
        raise ValidationError("Le RIB doit comporter exactement 24 chiffres.", code="rib_format")
    if not rib_key_ok(rib):
        raise ValidationError("La clé du RIB est incorrecte : vérifiez les 24 chiffres.", code="rib_key")


def normalise_cnie(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def validate_cnie(value: str) -> None:
    """CNIE: one or two letters then up to eight digits (domain.md §4.2, permissive on purpose)."""
    # DOMAIN-UNCERTAIN: domain.md §4.2 — no official format; permissive letters+digits rule.
    if not _CNIE.match(normalise_cnie(value)):
        raise ValidationError(
            "Le numéro de CNIE doit comporter une ou deux lettres suivies de chiffres (ex. AB123456).",
            code="cnie_format",
        )


def validate_inpe(value: str) -> None:
    """INPE: digits only (domain.md §4.4: length unknown, so 6 to 12 digits accepted)."""
    # DOMAIN-UNCERTAIN: domain.md §4.4 — INPE length not published.
    if not value or not (value.isascii() and value.isdigit()) or not 6 <= len(value) <= 12:
        raise ValidationError("L'INPE doit comporter de 6 à 12 chiffres.", code="inpe_format")
