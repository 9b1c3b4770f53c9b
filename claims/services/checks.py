"""Administrative controls that reject a whole claim before any payment (domain.md §3.1-§3.5)."""
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from beneficiaries.services.entitlement import Entitlement
from tariffs.services.deadlines import Suspension, days_counted, filing_deadline


class ClaimReason:
    LATE = "hors_delai"
    NOT_ENTITLED = "beneficiaire_non_couvert"
    RIGHTS_CLOSED = "droits_fermes"
    DUPLICATE = "doublon"
    DUPLICATE_DOCUMENT = "doublon_piece"
    NO_DEADLINE_RULE = "delai_inconnu"
    INSURED_DECEASED = "assure_decede"


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


def deadline_reason(*, care_date: date, treatment_end_date: date | None, filed_on: date, days: int | None,
                    suspensions: tuple[Suspension, ...]) -> Reason | None:
    """60 days after the first act, or after the end of a continuous treatment; day 60 is on time."""
    if days is None:
        return Reason(ClaimReason.NO_DEADLINE_RULE, "Aucun délai de dépôt n'est défini à la date des soins.")
    start = treatment_end_date or care_date
    counted = days_counted(start=start, until=filed_on, suspensions=suspensions)
    if counted <= days:
        return None
    deadline = filing_deadline(start=start, days=days, suspensions=suspensions)
    what = "la fin du traitement" if treatment_end_date else "la date des soins"
    return Reason(
        ClaimReason.LATE,
        f"Dossier déposé hors délai : {counted} jours après {what} ({start:%d/%m/%Y}), pour un délai de "
        f"{days} jours (date limite : {deadline:%d/%m/%Y}).",
    )


def entitlement_reason(entitlement: Entitlement) -> Reason | None:
    if entitlement.entitled:
        return None
    if entitlement.code in {"droits_fermes", "non_affilie"}:
        return Reason(ClaimReason.RIGHTS_CLOSED, entitlement.message)
    if entitlement.code == ClaimReason.INSURED_DECEASED:
        return Reason(ClaimReason.INSURED_DECEASED, entitlement.message)
    return Reason(ClaimReason.NOT_ENTITLED, entitlement.message)


def duplicate_key(*, insured_id: int, dependent_id: int | None, care_date: date, prescriber_inpe: str,
                  lines: Sequence[Sequence[object]]) -> str:
    """Fingerprint of "the same care filed twice": beneficiary, care date, prescriber and lines
    (kind, cotation or medicine, quantity, amount paid, and a line's own date or sector when it has
    one), whatever their order."""
    parts = [str(insured_id), str(dependent_id or 0), care_date.isoformat(), prescriber_inpe.strip()]
    parts += sorted("|".join(str(x).strip().upper() for x in line) for line in lines)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def days_left(*, care_date: date, treatment_end_date: date | None, today: date, days: int,
              suspensions: tuple[Suspension, ...] = ()) -> int:
    """Days left before the filing deadline (negative once it has passed)."""
    deadline = filing_deadline(start=treatment_end_date or care_date, days=days, suspensions=suspensions)
    return (deadline - today) // timedelta(days=1)
