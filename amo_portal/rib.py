"""The Moroccan RIB's arithmetic, in the shared kernel: the insured persons' RIBs (beneficiaries) and
the payers' accounts (mutuelles) follow the same rule (domain.md §4.1)."""
import re

#: A RIB has 24 digits: bank, city, account and a two-digit key.
RIB_LENGTH = 24


def normalise_rib(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def rib_key_ok(rib: str) -> bool:
    """24 ASCII digits whose number is divisible by 97 (the key check)."""
    return rib.isascii() and rib.isdigit() and len(rib) == RIB_LENGTH and int(rib) % 97 == 0


def rib_key(first_22_digits: str) -> str:
    """The two-digit key that completes a 22-digit RIB prefix."""
    return f"{97 - (int(first_22_digits) * 100) % 97:02d}"


def rib_to_iban(rib: str) -> str:
    """MA + ISO 13616 check digits + the 24-digit RIB."""
    rib = normalise_rib(rib)
    numeric = rib + "2210" + "00"  # M=22, A=10
    check = 98 - int(numeric) % 97
    return f"MA{check:02d}{rib}"


def rib_last_digits(rib: str) -> str:
    """How a RIB is shown to its holder and in notices: its last four digits only."""
    return f"…{rib[-4:]}" if rib else ""
