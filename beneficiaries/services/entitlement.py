"""Who is entitled to AMO benefits on a date, and why not (loi 65-00 art. 5-6, domain.md §3.2-§3.3).

The rules are pure functions of plain facts, so that the simulator (which has no registry
row) and real claims use the very same code.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from amo_portal.periods import covers
from beneficiaries.models import Dependent, InsuredStatus, Relationship

#: Age limits, in completed years, for a dependent child (loi 65-00 art. 5).
CHILD_AGE_LIMIT = 21
STUDENT_AGE_LIMIT = 26

MSG_OPEN = "Droits ouverts."
MSG_NOT_YET_AFFILIATED = "L'assuré n'était pas encore affilié à cette date."
MSG_STRUCK_OFF = "Les droits de l'assuré sont fermés (radiation)."
MSG_NOT_YET_DEPENDENT = "La personne n'était pas encore déclarée comme ayant droit à cette date."
MSG_DEPENDENT_ENDED = "La personne n'est plus ayant droit à cette date."
MSG_SPOUSE_COVERED_ELSEWHERE = "Le conjoint est couvert par un autre régime."
MSG_CHILD_OVER_21 = "L'enfant a dépassé 21 ans et n'a pas de certificat d'études supérieures valable à cette date."
MSG_CHILD_MARRIED = "L'enfant de plus de 21 ans est marié : la prolongation pour études ne s'applique pas."
MSG_CHILD_OVER_26 = "L'enfant a dépassé 26 ans sans maintien des droits pour handicap."
MSG_NOT_BORN = "La date des soins précède la date de naissance."


@dataclass(frozen=True)
class Entitlement:
    entitled: bool
    code: str
    message: str
    #: The last day of entitlement when the rule that applies has a known end (age limits).
    ends_on: date | None = None


def birthday(born: date, years: int) -> date:
    """The date on which someone born on `born` turns `years` (29 February -> 1 March)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def child_entitlement(*, birth_date: date, on: date, married: bool, studying: bool,
                      disabled_maintained: bool) -> Entitlement:
    """A child is covered up to 21 completed years, 26 if unmarried and studying, and without
    limit when disabled under a maintien des droits. Entitled until the eve of the 22nd (or 27th)
    birthday."""
    if on < birth_date:
        return Entitlement(False, "non_ne", MSG_NOT_BORN)
    if disabled_maintained:
        return Entitlement(True, "handicap_maintien", "Droits maintenus (enfant en situation de handicap).")
    end_child = birthday(birth_date, CHILD_AGE_LIMIT + 1) - timedelta(days=1)
    if on <= end_child:
        return Entitlement(True, "ouvert", MSG_OPEN, ends_on=end_child)
    end_student = birthday(birth_date, STUDENT_AGE_LIMIT + 1) - timedelta(days=1)
    if on > end_student:
        return Entitlement(False, "age_depasse_26", MSG_CHILD_OVER_26)
    if married:
        return Entitlement(False, "enfant_marie", MSG_CHILD_MARRIED)
    if studying:
        return Entitlement(True, "etudiant", "Droits prolongés (études supérieures).", ends_on=end_student)
    return Entitlement(False, "age_depasse_21", MSG_CHILD_OVER_21)


class InsuredRights(Protocol):
    """What the rules read of an insured person: an Insured row, or the three columns alone
    (claims.services.processing reads them with the claims, without building model instances)."""

    @property
    def affiliated_on(self) -> date: ...
    @property
    def status(self) -> str: ...
    @property
    def status_since(self) -> date: ...


def insured_entitlement(insured: InsuredRights, *, on: date) -> Entitlement:
    """Rights of the insured person: affiliated on the date and not struck off (domain.md §3.3)."""
    if on < insured.affiliated_on:
        return Entitlement(False, "non_affilie", MSG_NOT_YET_AFFILIATED)
    if insured.status == InsuredStatus.STRUCK_OFF and on >= insured.status_since:
        return Entitlement(False, "droits_fermes", MSG_STRUCK_OFF)
    return Entitlement(True, "ouvert", MSG_OPEN)


def _certificate_valid(dependent: Dependent, on: date) -> bool:
    return any(covers(c.valid_from, c.valid_until, on, last_day_included=True)
               for c in dependent.study_certificates.all())


def _maintenance_valid(dependent: Dependent, on: date) -> bool:
    return any(
        covers(m.valid_from, m.valid_until, on, last_day_included=True) for m in dependent.rights_maintenances.all()
    )


def dependent_entitlement(dependent: Dependent, *, on: date) -> Entitlement:
    """Rights of an ayant droit: the insured person's rights, then the dependant's own rules."""
    holder = insured_entitlement(dependent.insured, on=on)
    if not holder.entitled:
        return holder
    return dependent_own_entitlement(dependent, on=on)


def dependent_own_entitlement(dependent: Dependent, *, on: date) -> Entitlement:
    """The dependant's own rules, once the insured person's rights are known to be open."""
    if on < dependent.registered_on:
        return Entitlement(False, "non_declare", MSG_NOT_YET_DEPENDENT)
    if dependent.ended_on is not None and on >= dependent.ended_on:
        return Entitlement(False, "fin_droits", MSG_DEPENDENT_ENDED)
    if dependent.relationship == Relationship.SPOUSE:
        if dependent.covered_elsewhere:
            return Entitlement(False, "conjoint_autre_regime", MSG_SPOUSE_COVERED_ELSEWHERE)
        return Entitlement(True, "ouvert", MSG_OPEN)
    return child_entitlement(
        birth_date=dependent.birth_date,
        on=on,
        married=dependent.married,
        studying=_certificate_valid(dependent, on),
        disabled_maintained=dependent.disabled and _maintenance_valid(dependent, on),
    )


def beneficiary_entitlement(*, insured: InsuredRights, dependent: Dependent | None, on: date) -> Entitlement:
    """Rights of the person who received the care: the insured person or one of their dependants
    (who must be `insured`'s own: the callers check it)."""
    holder = insured_entitlement(insured, on=on)
    if dependent is None or not holder.entitled:
        return holder
    return dependent_own_entitlement(dependent, on=on)
