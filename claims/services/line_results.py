"""The one writer of a claim line's results: what the liquidation (a chunk, or one claim again)
and both rejections of a whole claim, the controls' and the agent's, write on the lines."""
from collections.abc import Sequence

from django.utils import timezone

from amo_portal.bulk import update_columns
from claims.models import ClaimLine
from claims.services.liquidation import unpaid_line
from claims.services.pricing import LineReason, PricedLine

#: The columns of a line its results fill (and nothing else: the agent's inputs stay).
LINE_RESULT_FIELDS = ("letter_key", "coefficient", "tariff", "base", "amo_amount", "complementary_amount",
                      "patient_amount", "reason_code", "explanation")


def write_line_results(pks: Sequence[int], priced: Sequence[PricedLine]) -> None:
    """Write each line's results (`priced`, in the order of `pks`) in one set-based UPDATE."""
    if not pks:
        return
    now = timezone.now()
    values: dict[str, Sequence] = {
        "letter_key": [p.letter_key for p in priced],
        "coefficient": [p.coefficient for p in priced],
        "tariff": [p.amounts.tariff for p in priced],
        "base": [p.amounts.base for p in priced],
        "amo_amount": [p.amounts.amo for p in priced],
        "complementary_amount": [p.amounts.complementary for p in priced],
        "patient_amount": [p.amounts.patient for p in priced],
        "reason_code": [p.reason_code for p in priced],
        "explanation": [p.explanation for p in priced],
        "updated_at": [now] * len(pks),
    }
    update_columns(ClaimLine, list(pks), values)


def rejected_by_agent(lines: Sequence[ClaimLine], explanation: str) -> list[PricedLine]:
    """The results of the lines of a claim an agent rejects: nothing paid, the reason
    LineReason.CLAIM_REJECTED as the controls' rejection (pricing.rejected_line) writes it; the
    lines keep the tariff, letter key and coefficient they were priced at, and the explanation
    names the agent's reason."""
    return [PricedLine(unpaid_line(line.amount_paid, line.tariff), LineReason.CLAIM_REJECTED, explanation,
                       line.letter_key, line.coefficient) for line in lines]
