"""The insured person's death and what follows for the dependants (domain.md §3.2, DOMAIN-UNCERTAIN:
no public text says what becomes of the dependants' rights; tariffs/data/eligibility_rules.csv keeps
them a number of days, and the mutuelle's agents record the survivor's own affiliation or close them).

Reserved to the staff holding `beneficiaries.record_death`, on the insured persons of their scope
(beneficiaries.selectors.insured_visible_to). Each action is all or nothing and leaves a DeathEvent
(who, when, what, the date it takes effect).
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from amo_portal.exceptions import DomainError
from beneficiaries.models import DeathEvent, Dependent, Insured, InsuredStatus, Relationship
from beneficiaries.selectors import insured_visible_to

DEATH_PERMISSION = "beneficiaries.record_death"

MSG_NOT_ALLOWED = "Action refusée : votre rôle ne permet pas d'enregistrer un décès ni ses suites."
MSG_OUT_OF_SCOPE = "Action refusée : cet assuré n'est pas de votre ressort."
MSG_FUTURE = "Date du décès : elle ne peut pas être postérieure à aujourd'hui ({today:%d/%m/%Y})."
MSG_BEFORE_BIRTH = "Date du décès : elle ne peut pas précéder la date de naissance ({born:%d/%m/%Y})."
MSG_ALREADY_DECEASED = "Décès déjà enregistré le {death:%d/%m/%Y} pour {insured}."
MSG_NOT_DECEASED = "Action refusée : le décès de {insured} n'est pas enregistré."
MSG_AFTER_DEATH = "{field} : elle doit être postérieure à la date du décès ({death:%d/%m/%Y})."
MSG_NO_SPOUSE = "Conjoint survivant : choisissez un conjoint déclaré de l'assuré décédé."
MSG_NOT_A_CHILD = "Enfants : {name} n'est pas un enfant de l'assuré décédé."
MSG_NOT_OPEN = "{field} : les droits de {name} ne sont pas ouverts à cette date (ayant droit du {start:%d/%m/%Y}{end})."
MSG_REFUSED = "{what} refusé(e) : {detail}"


def _check(*, insured: Insured, by) -> Insured:
    if not by.has_perm(DEATH_PERMISSION):
        raise DomainError(MSG_NOT_ALLOWED, code="deces_non_autorise")
    locked = (insured_visible_to(user=by).filter(pk=insured.pk).select_for_update(no_key=True, of=("self",))
              .first())
    if locked is None:
        raise DomainError(MSG_OUT_OF_SCOPE, code="hors_perimetre")
    return locked


def _deceased(*, insured: Insured, by) -> Insured:
    locked = _check(insured=insured, by=by)
    if locked.status != InsuredStatus.DECEASED:
        raise DomainError(MSG_NOT_DECEASED.format(insured=locked), code="deces_non_enregistre")
    return locked


def _save(obj, what: str, **save) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        raise DomainError(MSG_REFUSED.format(what=what, detail=" ; ".join(error.messages)),
                          code="donnees_invalides") from error
    obj.save(**save)


@transaction.atomic(durable=True)
def record_death(*, insured: Insured, died_on: date, by) -> DeathEvent:
    """The insured person died on `died_on`: status décédé from that date. Their own rights cover
    the day of death and end after it (beneficiaries.services.entitlement.insured_entitlement)."""
    person = _check(insured=insured, by=by)
    today = timezone.localdate()
    if person.status == InsuredStatus.DECEASED:
        raise DomainError(MSG_ALREADY_DECEASED.format(death=person.status_since, insured=person), code="deja_decede")
    if died_on > today:
        raise DomainError(MSG_FUTURE.format(today=today), code="date_invalide")
    if died_on < person.birth_date:
        raise DomainError(MSG_BEFORE_BIRTH.format(born=person.birth_date), code="date_invalide")
    details = f"Décès le {died_on:%d/%m/%Y} (situation précédente : {person.get_status_display()})."
    person.status, person.status_since = InsuredStatus.DECEASED, died_on
    _save(person, "Enregistrement du décès", update_fields=["status", "status_since", "updated_at"])
    event = DeathEvent(insured=person, kind=DeathEvent.Kind.DEATH, effective_on=died_on, details=details,
                       recorded_by=by)
    _save(event, "Enregistrement du décès")
    return event


def _open_on(dependent: Dependent, on: date, field: str) -> None:
    if dependent.registered_on < on and (dependent.ended_on is None or dependent.ended_on > on):
        return
    end = f" au {dependent.ended_on:%d/%m/%Y}" if dependent.ended_on else ""
    raise DomainError(MSG_NOT_OPEN.format(field=field, name=dependent.full_name, start=dependent.registered_on,
                                          end=end), code="date_invalide")


def _end(dependent: Dependent, on: date, reason: str) -> None:
    dependent.ended_on, dependent.end_reason = on, reason
    _save(dependent, f"Fin des droits de {dependent.full_name}", update_fields=["ended_on", "end_reason",
                                                                                 "updated_at"])


def _after_death(person: Insured, on: date, field: str) -> None:
    if on <= person.status_since:
        raise DomainError(MSG_AFTER_DEATH.format(field=field, death=person.status_since), code="date_invalide")


def _move_child(child: Dependent, *, survivor: Insured, on: date) -> Dependent:
    """The child's row under the deceased ends at `on`; a row under the survivor starts at it, with
    the certificates and maintiens des droits still running."""
    _open_on(child, on, "Enfants")
    _end(child, on, "rattaché(e) au conjoint survivant")
    moved = Dependent(insured=survivor, relationship=Relationship.CHILD, last_name=child.last_name,
                      first_name=child.first_name, last_name_ar=child.last_name_ar,
                      first_name_ar=child.first_name_ar, cnie=child.cnie, birth_date=child.birth_date,
                      sex=child.sex, married=child.married, disabled=child.disabled,
                      covered_elsewhere=child.covered_elsewhere, registered_on=on)
    _save(moved, f"Rattachement de {child.full_name}")
    for certificate in child.study_certificates.filter(valid_until__gte=on):
        moved.study_certificates.create(academic_year=certificate.academic_year,
                                        valid_from=certificate.valid_from, valid_until=certificate.valid_until)
    for maintenance in child.rights_maintenances.exclude(valid_until__lt=on):
        moved.rights_maintenances.create(decision_number=maintenance.decision_number,
                                         valid_from=maintenance.valid_from, valid_until=maintenance.valid_until)
    return moved


@transaction.atomic(durable=True)
def affiliate_survivor(*, insured: Insured, spouse: Dependent, affiliated_on: date, registration_number: str,
                       affiliation_number: str, cnie: str, children: list[Dependent], by) -> DeathEvent:
    """The surviving spouse becomes an insured person in their own right from `affiliated_on`
    (pension de réversion: situation « retraité »), in the deceased's mutuelle, organisme and
    régime; the chosen children are moved under them from the same date."""
    person = _deceased(insured=insured, by=by)
    _after_death(person, affiliated_on, "Date d'affiliation du conjoint")
    if spouse.insured_id != person.pk or spouse.relationship != Relationship.SPOUSE:
        raise DomainError(MSG_NO_SPOUSE, code="conjoint_invalide")
    for child in children:
        if child.insured_id != person.pk or child.relationship != Relationship.CHILD:
            raise DomainError(MSG_NOT_A_CHILD.format(name=child.full_name), code="enfant_invalide")
    _open_on(spouse, affiliated_on, "Date d'affiliation du conjoint")
    survivor = Insured(
        registration_number=registration_number.strip(), affiliation_number=affiliation_number.strip(),
        cnie=(cnie or spouse.cnie).strip().upper(), last_name=spouse.last_name, first_name=spouse.first_name,
        last_name_ar=spouse.last_name_ar, first_name_ar=spouse.first_name_ar, birth_date=spouse.birth_date,
        sex=spouse.sex, status=InsuredStatus.RETIRED, status_since=affiliated_on, affiliated_on=affiliated_on,
        mutuelle=person.mutuelle, fund=person.fund, regime=person.regime, language=person.language)
    _save(survivor, "Affiliation du conjoint survivant")
    _end(spouse, affiliated_on, "affilié(e) en propre comme conjoint survivant")
    moved = [_move_child(child, survivor=survivor, on=affiliated_on) for child in children]
    names = ", ".join(m.full_name for m in moved) or "aucun"
    details = (f"{survivor.full_name} affilié(e) en propre (n° {survivor.registration_number}) à partir du "
               f"{affiliated_on:%d/%m/%Y} ; enfants rattachés : {names}.")
    event = DeathEvent(insured=person, kind=DeathEvent.Kind.SURVIVOR_AFFILIATED, effective_on=affiliated_on,
                       survivor=survivor, details=details, recorded_by=by)
    _save(event, "Affiliation du conjoint survivant")
    return event


@transaction.atomic(durable=True)
def close_dependants_rights(*, insured: Insured, ended_on: date, by) -> DeathEvent:
    """The deceased's dependants whose rights are still open lose them from `ended_on` (excluded
    from their rights), which must follow the date of death."""
    person = _deceased(insured=insured, by=by)
    _after_death(person, ended_on, "Date de fin des droits")
    open_rows = list(person.dependents.exclude(ended_on__lte=ended_on).order_by("pk"))
    if not open_rows:
        raise DomainError(f"Aucun ayant droit de {person} n'a de droits ouverts au {ended_on:%d/%m/%Y}.",
                          code="rien_a_fermer")
    for dependent in open_rows:
        _open_on(dependent, ended_on, "Date de fin des droits")
        _end(dependent, ended_on, f"décès de l'assuré le {person.status_since:%d/%m/%Y}")
    details = (f"Droits fermés à partir du {ended_on:%d/%m/%Y} : "
               f"{', '.join(d.full_name for d in open_rows)}.")
    event = DeathEvent(insured=person, kind=DeathEvent.Kind.DEPENDANTS_CLOSED, effective_on=ended_on,
                       details=details, recorded_by=by)
    _save(event, "Fermeture des droits")
    return event
