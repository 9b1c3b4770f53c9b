"""What an insured person declares about their family, checked before anything is written, and again
when an agent accepts it (the family may have changed meanwhile). Each error names its field, in the
language of the request (French by default): a ValidationError keyed by the field's name.

The fields each kind of request reads are in KIND_FIELDS; the others are ignored.
"""
import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.models import Dependent, Insured, Relationship, RightsMaintenance, Sex, StudyCertificate
from beneficiaries.models_family import CustodyDirection, FamilyChangeKind
from beneficiaries.services.duplicates import ChildIdentity, identity_key
from beneficiaries.services.entitlement import Entitlement, child_entitlement
from beneficiaries.validators import ascii_digits, normalise_cnie, validate_cnie
from tariffs.selectors import TariffBook

K = FamilyChangeKind
PERSON = ("first_name", "last_name", "first_name_ar", "last_name_ar", "birth_date", "sex", "cnie")
RESETTABLE = ("dependent_id", "event_date", *PERSON, "covered_elsewhere", "custody_direction", "academic_year")
TEXTS = ("first_name", "last_name", "first_name_ar", "last_name_ar", "academic_year")
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    K.BIRTH: PERSON,
    K.MARRIAGE: ("event_date", *PERSON, "covered_elsewhere"),
    K.DIVORCE: ("dependent", "event_date"),
    K.CUSTODY: ("custody_direction", "dependent", "event_date", *PERSON),
    K.STUDIES: ("dependent", "academic_year"),
    K.DISABILITY: ("dependent",),
}
LABELS: dict[str, Promise] = {"first_name": gettext_lazy("Prénom"), "last_name": gettext_lazy("Nom"),
          "birth_date": gettext_lazy("Date de naissance"), "sex": gettext_lazy("Sexe"),
          "cnie": gettext_lazy("N° de CNIE"), "academic_year": gettext_lazy("Année universitaire"),
          "custody_direction": gettext_lazy("Changement de garde"), "note": gettext_lazy("Précisions"),
          "first_name_ar": gettext_lazy("Prénom (en arabe)"), "last_name_ar": gettext_lazy("Nom (en arabe)")}
#: The longest text each field keeps (the registry's columns).
MAX_LENGTHS = {"first_name": 100, "last_name": 100, "first_name_ar": 100, "last_name_ar": 100, "note": 1000}
EVENT_DATE_LABELS: dict[str, Promise] = {K.MARRIAGE: gettext_lazy("Date du mariage"),
                     K.DIVORCE: gettext_lazy("Date du jugement de divorce"),
                     K.CUSTODY: gettext_lazy("Date du jugement de garde")}
DEPENDENT_LABELS: dict[str, Promise] = {K.DIVORCE: gettext_lazy("Conjoint")}
CHILD_LABEL = gettext_lazy("Enfant")
#: DOMAIN-UNCERTAIN: domain.md §3.2 says a certificate is required "every year" without dating the
#: academic year; taken here from 1 September to 31 August, as the universities' calendars run.
ACADEMIC_YEAR_START = (9, 1)
_ACADEMIC_YEAR = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{4})\s*$")


@dataclass(frozen=True)
class FamilyChangeInput:
    """A request as typed by the insured person (portal page or API)."""

    kind: str
    dependent_id: int | None = None
    event_date: date | None = None
    first_name: str = ""
    last_name: str = ""
    first_name_ar: str = ""
    last_name_ar: str = ""
    birth_date: date | None = None
    sex: str = ""
    cnie: str = ""
    covered_elsewhere: bool = False
    custody_direction: str = ""
    academic_year: str = ""
    note: str = ""


@dataclass(frozen=True)
class CheckedDeclaration:
    """A declaration that passed the checks: its cleaned values, the existing dependant it is about
    (if any), the child it makes a dependant (if any, for the duplicate rule), and its subject."""

    data: FamilyChangeInput
    dependent: Dependent | None
    child: ChildIdentity | None
    subject_key: str


def label_of(field: str, kind: str) -> str:
    if field == "event_date":
        return str(EVENT_DATE_LABELS.get(kind, _("Date de l'événement")))
    if field == "dependent":
        return str(DEPENDENT_LABELS.get(kind, CHILD_LABEL))
    return str(LABELS.get(field, field))


class Errors:
    """Field errors gathered while checking; raised together."""

    def __init__(self, kind: str):
        self.kind = kind
        self.found: dict[str, str] = {}

    def add(self, field: str, text: str) -> None:
        self.found.setdefault(field, f"{label_of(field, self.kind)} : {text}")

    def raise_if_any(self) -> None:
        if self.found:
            raise ValidationError({field: [message] for field, message in self.found.items()})


def cleaned(data: FamilyChangeInput) -> FamilyChangeInput:
    """Only the fields of the kind (a custody change names a registered child or types a new one, not
    both), texts stripped, the CNIE as the registry writes it."""
    kept = {"dependent_id" if name == "dependent" else name for name in KIND_FIELDS.get(data.kind, ())}
    if data.kind == K.CUSTODY and (data.dependent_id is not None or data.custody_direction != CustodyDirection.JOINS):
        kept -= set(PERSON)
    blank: dict[str, Any] = {f.name: f.default for f in fields(FamilyChangeInput)
                             if f.name in RESETTABLE and f.name not in kept}
    data = replace(data, **blank)
    texts: dict[str, Any] = {name: " ".join(getattr(data, name).split()) for name in TEXTS}
    return replace(data, **texts, cnie=normalise_cnie(ascii_digits(data.cnie)), note=data.note.strip())


def _check_person(data: FamilyChangeInput, insured: Insured, errors: Errors, *, child: bool, on: date) -> None:
    for name in ("first_name", "last_name", "birth_date", "sex"):
        if not getattr(data, name):
            errors.add(name, _("ce champ est obligatoire."))
    if data.sex and data.sex not in Sex.values:
        errors.add("sex", _("choisissez masculin ou féminin."))
    if data.birth_date and data.birth_date > on:
        errors.add("birth_date", _("elle ne peut pas être dans le futur."))
    if child and data.birth_date and data.birth_date <= insured.birth_date:
        errors.add("birth_date", _("elle précède la vôtre (%(date)s) : vérifiez-la.")
                   % {"date": insured.birth_date.strftime("%d/%m/%Y")})
    if data.cnie:
        try:
            validate_cnie(data.cnie)
        except ValidationError:
            errors.add("cnie", _("une ou deux lettres suivies de chiffres (ex. AB123456)."))


def _check_event_date(data: FamilyChangeInput, insured: Insured, errors: Errors, on: date) -> None:
    if data.event_date is None:
        errors.add("event_date", _("ce champ est obligatoire."))
    elif data.event_date > on:
        errors.add("event_date", _("elle ne peut pas être dans le futur."))
    elif data.event_date <= insured.birth_date:
        errors.add("event_date", _("elle précède votre date de naissance : vérifiez-la."))


def _own_dependent(data: FamilyChangeInput, insured: Insured, errors: Errors, *, relationship: str,
                   on: date, active: bool = True) -> Dependent | None:
    """The insured person's dependant named by the request, or an error on the field."""
    family = [d for d in Dependent.objects.filter(insured=insured, relationship=relationship).order_by("pk")
              if not active or d.ended_on is None or d.ended_on > on]
    if data.dependent_id is None:
        if not family and relationship == Relationship.SPOUSE:
            errors.add("dependent", _("vous n'avez aucun conjoint ayant droit : il n'y a pas de divorce à déclarer."))
        else:
            errors.add("dependent", _("choisissez la personne concernée."))
        return None
    found = next((d for d in family if d.pk == data.dependent_id), None)
    if found is None:
        errors.add("dependent", _("cette personne n'est pas parmi vos ayants droit actuels."))
    return found


def academic_year_period(text: str) -> tuple[date, date] | None:
    """"2025-2026" → (1 Sept 2025, 31 Aug 2026), or None when the text is not an academic year."""
    match = _ACADEMIC_YEAR.match(text or "")
    if match is None or int(match[2]) != int(match[1]) + 1 or not 1990 <= int(match[1]) <= 2200:
        return None
    month, day = ACADEMIC_YEAR_START
    return date(int(match[1]), month, day), date(int(match[2]), month, day) - timedelta(days=1)


def academic_year_of(on: date) -> str:
    """The academic year `on` falls in, written as the person writes it ("2025-2026")."""
    first = on.year if (on.month, on.day) >= ACADEMIC_YEAR_START else on.year - 1
    return f"{first}-{first + 1}"


class _ChildRights(NamedTuple):
    code: str
    limit: int | None  # the age limit that applied (the child's, or the students')


def _child_rights(child: Dependent, *, on: date, studying: bool) -> _ChildRights:
    """The child's rights on a date under the dated limits of their family's régime (TariffBook)."""
    limits = TariffBook.current().eligibility_limits(regime_id=child.insured.regime_id, on=on)
    rights: Entitlement = child_entitlement(birth_date=child.birth_date, on=on, married=False, studying=studying,
                                            disabled_maintained=False, limits=limits)
    return _ChildRights(rights.code, limits.student_age if studying else limits.child_age)


def _check_studies(data: FamilyChangeInput, child: Dependent, errors: Errors, on: date) -> None:
    """The current or the previous academic year, for a child past the ordinary limit and not past the
    students' one during that year (the limits are those of beneficiaries.services.entitlement)."""
    period, current = academic_year_period(data.academic_year), academic_year_period(academic_year_of(on))
    assert current is not None
    values = {"year": data.academic_year, "name": child.full_name}
    if period is None:
        errors.add("academic_year", _("écrivez-la comme %(example)s.") % {"example": academic_year_of(on)})
    elif period[0] > on:
        errors.add("academic_year", _("l'année %(year)s n'a pas encore commencé.") % values)
    elif period[1] < current[0] - timedelta(days=366):
        errors.add("academic_year", _("seules l'année en cours et la précédente peuvent être déclarées."))
    elif (end := _child_rights(child, on=period[1], studying=False)).code == "ouvert":
        errors.add("dependent", _("%(name)s est couvert(e) sans certificat pendant toute l'année %(year)s "
                                  "(jusqu'à %(age)s ans révolus) : le certificat n'est demandé qu'au-delà.")
                   % {**values, "age": end.limit})
    elif (start := _child_rights(child, on=period[0], studying=True)).code.startswith("age_depasse"):
        errors.add("dependent", _("%(name)s a passé l'âge limite de la prolongation pour études (%(age)s ans "
                                  "révolus) avant l'année %(year)s.") % {**values, "age": start.limit})
    elif StudyCertificate.objects.filter(dependent=child, valid_from=period[0]).exists():
        errors.add("academic_year", _("un certificat de l'année %(year)s est déjà enregistré pour %(name)s.")
                   % values)


def _check_maintenance(child: Dependent, errors: Errors, on: date) -> None:
    open_ = RightsMaintenance.objects.filter(dependent=child, valid_from__lte=on).exclude(valid_until__lt=on).first()
    if open_ is not None:
        errors.add("dependent", _("les droits de %(name)s sont déjà maintenus (décision n° %(number)s).")
                   % {"name": child.full_name, "number": open_.decision_number})


def check_declaration(*, insured: Insured, data: FamilyChangeInput, on: date) -> CheckedDeclaration:
    """The declaration checked against the family as it is on `on`, or ValidationError naming each field."""
    if data.kind not in K.values:
        raise ValidationError({"kind": [_("Nature de la déclaration : choisissez-en une de la liste.")]})
    data, errors = cleaned(data), Errors(data.kind)
    dependent: Dependent | None = None
    for name, longest in MAX_LENGTHS.items():
        if len(getattr(data, name)) > longest:
            errors.add(name, _("%(max)s caractères au plus.") % {"max": longest})
    if data.kind in (K.MARRIAGE, K.DIVORCE, K.CUSTODY):
        _check_event_date(data, insured, errors, on)
    if data.kind in (K.BIRTH, K.MARRIAGE):
        _check_person(data, insured, errors, child=data.kind == K.BIRTH, on=on)
    elif data.kind == K.DIVORCE:
        dependent = _own_dependent(data, insured, errors, relationship=Relationship.SPOUSE, on=on)
    elif data.kind == K.CUSTODY:
        dependent = _check_custody(data, insured, errors, on)
    else:
        dependent = _own_dependent(data, insured, errors, relationship=Relationship.CHILD, on=on)
        if dependent is not None and data.kind == K.STUDIES:
            _check_studies(data, dependent, errors, on)
        elif dependent is not None:
            _check_maintenance(dependent, errors, on)
    errors.raise_if_any()
    if data.kind == K.BIRTH:
        data = replace(data, event_date=data.birth_date)
    return CheckedDeclaration(data, dependent, _child_made_dependent(data, dependent),
                              f"ayant-droit:{dependent.pk}" if dependent is not None else identity_key(_typed(data)))


def _typed(data: FamilyChangeInput) -> ChildIdentity:
    assert data.birth_date is not None  # checked above
    return ChildIdentity(data.first_name, data.last_name, data.birth_date, data.cnie)


def _child_made_dependent(data: FamilyChangeInput, dependent: Dependent | None) -> ChildIdentity | None:
    """The child the request makes a dependant (a birth, a child joining by custody), for the rule of
    beneficiaries.services.duplicates; None for the other requests."""
    if data.kind == K.BIRTH or (data.kind == K.CUSTODY and data.custody_direction == CustodyDirection.JOINS):
        if dependent is not None:
            return ChildIdentity(dependent.first_name, dependent.last_name, dependent.birth_date, dependent.cnie)
        return _typed(data)
    return None


def _check_custody(data: FamilyChangeInput, insured: Insured, errors: Errors, on: date) -> Dependent | None:
    """A child leaves (one of the person's children now), or joins: a child not yet registered (typed in
    full), or one of theirs who left before (their ended row)."""
    if data.custody_direction not in CustodyDirection.values:
        errors.add("custody_direction", _("dites si l'enfant rejoint votre foyer ou le quitte."))
        return None
    if data.custody_direction == CustodyDirection.LEAVES:
        return _own_dependent(data, insured, errors, relationship=Relationship.CHILD, on=on)
    if data.dependent_id is None:
        _check_person(data, insured, errors, child=True, on=on)
        return None
    dependent = _own_dependent(data, insured, errors, relationship=Relationship.CHILD, on=on, active=False)
    if dependent is not None and (dependent.ended_on is None or dependent.ended_on > on):
        errors.add("dependent", _("%(name)s est déjà votre ayant droit.") % {"name": dependent.full_name})
    return dependent
