"""Money helpers: one column shape, one rounding rule, one display format (dirhams, MAD)."""
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

#: Two places: dirhams and centimes.
CENTIME = Decimal("0.01")
ZERO = Decimal("0.00")
#: French thousands separator (narrow no-break space) and the space before the unit.
THOUSANDS_SEP = "\u202f"
UNIT_SEP = "\u00a0"
#: Above this, an amount paid for one line is taken for a typing error (1 000 000 DH).
MAX_AMOUNT = Decimal("1000000.00")
#: The arguments of a form or serializer field taking an amount paid.
AMOUNT_FIELD = {"max_digits": 12, "decimal_places": 2, "min_value": ZERO, "max_value": MAX_AMOUNT}


def money_field(**kwargs) -> models.DecimalField:
    """The only column shape for amounts: 12 digits, 2 decimals (up to 9,999,999,999.99 DH)."""
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def rate_field(**kwargs) -> models.DecimalField:
    """Rates are stored as fractions (0.8000 for 80%) with four places."""
    return models.DecimalField(max_digits=5, decimal_places=4, **kwargs)


def is_amount(value: Decimal) -> bool:
    """A valid amount: not negative, in dirhams with at most two places (centimes)."""
    return value >= 0 and value == value.quantize(CENTIME)


def to_centimes(value: Decimal) -> Decimal:
    """Round to the centime, half up: the one rounding rule of the portal."""
    if value.__class__ is not Decimal and not isinstance(value, Decimal):  # called a million times a minute
        raise TypeError(f"montant non décimal : {value!r}")
    return value.quantize(CENTIME, rounding=ROUND_HALF_UP)


def format_dh(value: Decimal | None) -> str:
    """French display of an amount: 1 234,50 DH (narrow no-break space between thousands)."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    units, cents = f"{abs(to_centimes(value)):.2f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{THOUSANDS_SEP.join(groups)},{cents}{UNIT_SEP}DH"


def format_rate(rate: Decimal) -> str:
    """A rate stored as a fraction, shown as a French percentage: 0.8000 -> 80 %."""
    pct = (rate * 100).normalize()
    text = f"{pct:f}".replace(".", ",")
    return f"{text}{UNIT_SEP}%"
