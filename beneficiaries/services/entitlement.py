"""Who is entitled to AMO benefits on a date, and why not (loi 65-00 art. 5-6, domain.md §3.2-§3.3).

The rules are pure functions of plain facts, so that the simulator (which has no registry
row) and real claims use the very same code. The numbers they apply (age limits, the dependants'
days after the insured person's death) are dated data of the beneficiary's régime
(tariffs.models_eligibility), which every caller takes from the TariffBook for the care date:
`book.eligibility_limits(regime_id=..., on=...)`.
"""
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Protocol

from amo_portal.periods import covers
from beneficiaries.models import Dependent, InsuredStatus, Relationship
from tariffs.selectors import EligibilityLimits

MSG_OPEN = "Droits ouverts."
MSG_NOT_YET_AFFILIATED = "L'assuré n'était pas encore affilié à cette date."
MSG_STRUCK_OFF = "Les droits de l'assuré sont fermés (radiation)."
MSG_DECEASED = "L'assuré est décédé le {death:%d/%m/%Y} : ses droits ont pris fin après cette date."
MSG_DECEASED_DEPENDANTS = ("L'assuré est décédé le {death:%d/%m/%Y} : les droits de ses ayants droit ont couru "
                           "jusqu'au {last:%d/%m/%Y} inclus ({days} jours après le décès).")
MSG_OPEN_AFTER_DEATH = ("Droits maintenus après le décès de l'assuré le {death:%d/%m/%Y}, jusqu'au {last:%d/%m/%Y} "
                        "inclus.")
MSG_NOT_YET_DEPENDENT = "La personne n'était pas encore déclarée comme ayant droit à cette date."
MSG_DEPENDENT_ENDED = "La personne n'est plus ayant droit à cette date."
MSG_SPOUSE_COVERED_ELSEWHERE = "Le conjoint est couvert par un autre régime."
MSG_CHILD_OVER_LIMIT = ("L'enfant a dépassé {limit} ans et n'a pas de certificat d'études supérieures valable à "
                        "cette date.")
MSG_CHILD_MARRIED = "L'enfant de plus de {limit} ans est marié : la prolongation pour études ne s'applique pas."
MSG_CHILD_OVER_STUDENT_LIMIT = "L'enfant a dépassé {limit} ans sans maintien des droits pour handicap."
MSG_NO_AGE_RULE = "Aucune limite d'âge des ayants droit n'est définie pour ce régime à la date des soins."
MSG_NOT_BORN = "La date des soins précède la date de naissance."

#: The code of a refusal because the insured person died before the care date.
CODE_DECEASED = "assure_decede"


@dataclass(frozen=True)
class Entitlement:
    entitled: bool
    code: str
    message: str  # in French, as the agents and the claims' history read it
    #: The last day of entitlement when the rule that applies has a known end (age limits, death).
    ends_on: date | None = None
    #: The catalogue's msgid of `message` and its values, when the message has some (a limit, a
    #: date): a page translates the template, then puts the values in (`in_language`).
    template: str = ""
    params: tuple[tuple[str, object], ...] = ()

    def in_language(self, gettext: Callable[[str], str]) -> str:
        """The message in the language `gettext` translates to."""
        if not self.template:
            return gettext(self.message)
        return gettext(self.template).format(**dict(self.params))


def _stated(entitled: bool, code: str, template: str, *, ends_on: date | None = None, **params) -> Entitlement:
    """An entitlement whose message has values (a limit, a date), kept apart for the translation."""
    return Entitlement(entitled, code, template.format(**params), ends_on=ends_on, template=template,
                       params=tuple(params.items()))


def birthday(born: date, years: int) -> date:
    """The date on which someone born on `born` turns `years` (29 February -> 1 March)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def child_entitlement(*, birth_date: date, on: date, married: bool, studying: bool,
                      disabled_maintained: bool, limits: EligibilityLimits) -> Entitlement:
    """A child is covered up to `limits.child_age` completed years (21, loi 65-00 art. 5), up to
    `limits.student_age` (26; 30 under law 54-23) if unmarried and studying, and without limit when
    disabled under a maintien des droits. Entitled until the eve of the birthday after the limit."""
    if on < birth_date:
        return Entitlement(False, "non_ne", MSG_NOT_BORN)
    if disabled_maintained:
        return Entitlement(True, "handicap_maintien", "Droits maintenus (enfant en situation de handicap).")
    if limits.child_age is None or limits.student_age is None:
        return Entitlement(False, "regle_absente", MSG_NO_AGE_RULE)
    end_child = birthday(birth_date, limits.child_age + 1) - timedelta(days=1)
    if on <= end_child:
        return Entitlement(True, "ouvert", MSG_OPEN, ends_on=end_child)
    end_student = birthday(birth_date, limits.student_age + 1) - timedelta(days=1)
    if on > end_student:
        return _stated(False, f"age_depasse_{limits.student_age}", MSG_CHILD_OVER_STUDENT_LIMIT,
                       limit=limits.student_age)
    if married:
        return _stated(False, "enfant_marie", MSG_CHILD_MARRIED, limit=limits.child_age)
    if studying:
        return Entitlement(True, "etudiant", "Droits prolongés (études supérieures).", ends_on=end_student)
    return _stated(False, f"age_depasse_{limits.child_age}", MSG_CHILD_OVER_LIMIT, limit=limits.child_age)


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
    """Own rights of the insured person: affiliated on the date and neither struck off nor deceased
    (domain.md §3.3). A deceased person's `status_since` is the date of death: care given on the
    day of death is covered, care from the next day is refused."""
    if on < insured.affiliated_on:
        return Entitlement(False, "non_affilie", MSG_NOT_YET_AFFILIATED)
    if insured.status == InsuredStatus.STRUCK_OFF and on >= insured.status_since:
        return Entitlement(False, "droits_fermes", MSG_STRUCK_OFF)
    if insured.status == InsuredStatus.DECEASED and on > insured.status_since:
        return _stated(False, CODE_DECEASED, MSG_DECEASED, death=insured.status_since)
    return Entitlement(True, "ouvert", MSG_OPEN)


def holder_entitlement(insured: InsuredRights, *, on: date, limits: EligibilityLimits) -> Entitlement:
    """The insured person's rights as their dependants hold them. After the insured person's death
    the dependants keep their rights `limits.dependents_days_after_death` days, the last one
    included (DOMAIN-UNCERTAIN: domain.md §3.2, no public text; none when the régime has no rule)."""
    if insured.status != InsuredStatus.DECEASED or on < insured.affiliated_on:
        return insured_entitlement(insured, on=on)
    death = insured.status_since
    days = limits.dependents_days_after_death or 0
    last = death + timedelta(days=days)
    if on <= death:
        return Entitlement(True, "ouvert", MSG_OPEN, ends_on=last)
    if on <= last:
        return _stated(True, "ouvert", MSG_OPEN_AFTER_DEATH, ends_on=last, death=death, last=last)
    return _stated(False, CODE_DECEASED, MSG_DECEASED_DEPENDANTS, death=death, last=last, days=days)


def _certificate_valid(dependent: Dependent, on: date) -> bool:
    return any(covers(c.valid_from, c.valid_until, on, last_day_included=True)
               for c in dependent.study_certificates.all())


def _maintenance_valid(dependent: Dependent, on: date) -> bool:
    return any(
        covers(m.valid_from, m.valid_until, on, last_day_included=True) for m in dependent.rights_maintenances.all()
    )


def dependent_entitlement(dependent: Dependent, *, on: date, limits: EligibilityLimits) -> Entitlement:
    """Rights of an ayant droit: the insured person's rights, then the dependant's own rules."""
    return beneficiary_entitlement(insured=dependent.insured, dependent=dependent, on=on, limits=limits)


def dependent_own_entitlement(dependent: Dependent, *, on: date, limits: EligibilityLimits) -> Entitlement:
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
        limits=limits,
    )


def beneficiary_entitlement(*, insured: InsuredRights, dependent: Dependent | None, on: date,
                            limits: EligibilityLimits) -> Entitlement:
    """Rights of the person who received the care: the insured person or one of their dependants
    (who must be `insured`'s own: the callers check it). `limits` are the rights rules of the
    insured person's régime on `on`."""
    if dependent is None:
        return insured_entitlement(insured, on=on)
    holder = holder_entitlement(insured, on=on, limits=limits)
    if not holder.entitled:
        return holder
    own = dependent_own_entitlement(dependent, on=on, limits=limits)
    if not own.entitled or holder.ends_on is None:
        return own
    ends_on = min(holder.ends_on, own.ends_on) if own.ends_on else holder.ends_on
    said = holder if holder.message != MSG_OPEN and own.message == MSG_OPEN else own
    return replace(own, ends_on=ends_on, message=said.message, template=said.template, params=said.params)
