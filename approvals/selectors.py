"""Read side of the register of accords, scoped like the people they belong to."""
from datetime import date

from django.db.models import QuerySet

from approvals.models import (
    OPEN_STATUSES,
    Accord,
    AccordKind,
    AccordStatus,
    ALDDeclination,
    DecisionDeadline,
    ETMAccord,
)
from beneficiaries.selectors import insured_visible_to


def accords_visible_to(*, user) -> QuerySet[Accord]:
    """Every accord (requested, decided) of the people the user may see."""
    return Accord.objects.filter(insured__in=insured_visible_to(user=user))


def etm_accords_visible_to(*, user) -> QuerySet[ETMAccord]:
    """The granted ETM accords of the people the user may see (what a claim may name)."""
    return ETMAccord.objects.filter(insured__in=insured_visible_to(user=user))


def requests_awaiting_decision(*, user) -> QuerySet[Accord]:
    """The médecins' queue: open requests, the oldest first."""
    return (accords_visible_to(user=user).filter(status__in=OPEN_STATUSES)
            .select_related("insured", "dependent", "declination", "ald").order_by("requested_on", "pk"))


def declination_by_code(code: str) -> ALDDeclination | None:
    return ALDDeclination.objects.select_related("heading").filter(code=code.strip().upper()).first()


def decision_deadline_days(*, kind: str, on: date) -> int | None:
    """The days allowed to decide a request of `kind` made on `on` (dated reference data)."""
    row = DecisionDeadline.objects.in_force(on).filter(kind=kind).order_by("-valid_from").first()
    return row.days if row else None


def accords_of_beneficiary(*, insured_id: int, dependent_id: int | None,
                           kind: str = AccordKind.ETM) -> QuerySet[Accord]:
    return (Accord.objects.filter(insured_id=insured_id, dependent=dependent_id, kind=kind)
            .select_related("declination", "ald"))


def accords_of_family(*, insured_id: int) -> QuerySet[Accord]:
    """The accords and requests of an insured person and of their dependants, the newest first."""
    return (Accord.objects.filter(insured_id=insured_id)
            .select_related("insured", "dependent", "declination", "ald").order_by("-pk"))


def renewable_accords(*, insured_id: int) -> QuerySet[Accord]:
    """The ETM accords of the family that a renewal request may name (granted, or ended without renewal)."""
    return accords_of_family(insured_id=insured_id).filter(kind=AccordKind.ETM,
                                                           status__in=(AccordStatus.GRANTED, AccordStatus.EXPIRED))
