"""What an accepted family change does to the registry, from the day it is accepted: a dependant
registered or ended, a study certificate recorded, a disabled child's rights maintained. Called by
beneficiaries.services.family_changes inside the acceptance's transaction, never on its own.

DOMAIN-UNCERTAIN: domain.md §3.2 says who is a dependant but no public source was found on the date a
declared change takes effect (the birth, the marriage or the judgment, or the day the mutuelle records
it); the change takes effect here on the day of acceptance, never before.

A child coming back into the family (custody) gets a row of its own from that day: reopening its former
row would cover, after the fact, the time it spent in another family.
"""
from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError

from amo_portal.exceptions import DomainError
from beneficiaries.models import Dependent, Relationship, RightsMaintenance, StudyCertificate
from beneficiaries.models_family import CustodyDirection, FamilyChangeKind, FamilyChangeRequest
from beneficiaries.services.family_checks import academic_year_period

K = FamilyChangeKind

MSG_REFUSED_BY_REGISTRY = "Le registre refuse ce changement : {detail}"
MSG_STARTS_TODAY = ("{name} est ayant droit depuis le {since:%d/%m/%Y} : sa fin ne peut être enregistrée qu'à "
                    "partir du lendemain.")


def _saved(row, *, update_fields: list[str] | None = None):
    try:
        row.full_clean()
    except ValidationError as error:
        raise DomainError(MSG_REFUSED_BY_REGISTRY.format(detail=" ; ".join(error.messages)),
                          code="registre_refuse") from error
    row.save(update_fields=update_fields)
    return row


def _locked_dependent(request: FamilyChangeRequest) -> Dependent:
    assert request.dependent is not None  # the request names its dependant (family_checks)
    return Dependent.objects.select_for_update(no_key=True).get(pk=request.dependent.pk)


def _register(request: FamilyChangeRequest, on: date, relationship: str) -> tuple[str, Dependent]:
    source = request.dependent or request  # a child coming back takes its former row's identity
    assert source.birth_date is not None  # required at filing (family_checks)
    dependent = _saved(Dependent(
        insured=request.insured, relationship=relationship, last_name=source.last_name,
        first_name=source.first_name, last_name_ar=source.last_name_ar, first_name_ar=source.first_name_ar,
        cnie=source.cnie, birth_date=source.birth_date, sex=source.sex,
        covered_elsewhere=request.covered_elsewhere if relationship == Relationship.SPOUSE else False,
        disabled=getattr(source, "disabled", False), registered_on=on))
    return (f"Ayant droit inscrit : {dependent.full_name} ({dependent.get_relationship_display()}), né(e) le "
            f"{dependent.birth_date:%d/%m/%Y}, à compter du {on:%d/%m/%Y}.", dependent)


def _end(request: FamilyChangeRequest, on: date, why: str) -> tuple[str, None]:
    dependent = _locked_dependent(request)
    if dependent.registered_on >= on:
        raise DomainError(MSG_STARTS_TODAY.format(name=dependent.full_name, since=dependent.registered_on),
                          code="fin_impossible")
    dependent.ended_on = on
    dependent.end_reason = f"{why} – déclaration n° {request.number}"[:200]
    _saved(dependent, update_fields=["ended_on", "end_reason", "updated_at"])
    return f"Fin des droits de {dependent.full_name} à compter du {on:%d/%m/%Y} ({why}).", None


def _birth(request: FamilyChangeRequest, on: date) -> tuple[str, Dependent | None]:
    return _register(request, on, Relationship.CHILD)


def _marriage(request: FamilyChangeRequest, on: date) -> tuple[str, Dependent | None]:
    return _register(request, on, Relationship.SPOUSE)


def _divorce(request: FamilyChangeRequest, on: date) -> tuple[str, Dependent | None]:
    return _end(request, on, f"divorce, jugement du {request.event_date:%d/%m/%Y}")


def _custody(request: FamilyChangeRequest, on: date) -> tuple[str, Dependent | None]:
    if request.custody_direction == CustodyDirection.LEAVES:
        return _end(request, on, f"garde confiée à un autre foyer, jugement du {request.event_date:%d/%m/%Y}")
    return _register(request, on, Relationship.CHILD)


def _studies(request: FamilyChangeRequest, on: date) -> tuple[str, Dependent | None]:
    period, child = academic_year_period(request.academic_year), request.dependent
    assert period is not None  # checked at filing and again before acceptance
    assert child is not None
    certificate = _saved(StudyCertificate(dependent=child, academic_year=request.academic_year,
                                          valid_from=period[0], valid_until=period[1]))
    return (f"Certificat d'études supérieures {certificate.academic_year} enregistré pour "
            f"{child.full_name} : valable du {period[0]:%d/%m/%Y} au {period[1]:%d/%m/%Y}.", None)


def _disability(request: FamilyChangeRequest, on: date) -> tuple[str, Dependent | None]:
    dependent = _locked_dependent(request)
    _saved(RightsMaintenance(dependent=dependent, decision_number=request.number, valid_from=on, valid_until=None))
    dependent.disabled = True
    _saved(dependent, update_fields=["disabled", "updated_at"])
    return (f"Maintien des droits de {dependent.full_name} (handicap), décision n° {request.number}, à compter du "
            f"{on:%d/%m/%Y}.", None)


CHANGES: dict[str, Callable[[FamilyChangeRequest, date], tuple[str, Dependent | None]]] = {
    K.BIRTH: _birth, K.MARRIAGE: _marriage, K.DIVORCE: _divorce, K.CUSTODY: _custody, K.STUDIES: _studies,
    K.DISABILITY: _disability,
}


def apply_accepted_change(request: FamilyChangeRequest, *, on: date) -> tuple[str, Dependent | None]:
    """Change the registry as the request says, from `on`; returns what was done (for the history) and
    the dependant registered, if one was."""
    return CHANGES[request.kind](request, on)
