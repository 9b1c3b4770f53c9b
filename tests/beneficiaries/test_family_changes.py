"""Family changes declared online, through the services: each kind accepted (the registry changes from
the day of acceptance, with the history row) and refused (nothing changes, the reason is kept), one
pending request per subject, the decision e-mailed in the person's language, and the agents' scope."""
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from amo_portal.exceptions import ConflictError, DomainError
from beneficiaries.models import Dependent, RightsMaintenance, StudyCertificate
from beneficiaries.models_family import FamilyChangeRequest, FamilyChangeStatus
from beneficiaries.services import entitlement
from beneficiaries.services.family_changes import (
    accept_family_change,
    refuse_family_change,
    withdraw_family_change,
)
from tariffs.selectors import TariffBook
from tests.beneficiaries.family_support import declare, newborn, registry_state, today
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.mutuelles import StaffFactory


def dependent_entitlement(dependent, *, on):
    """The dependant's rights on a date, under the dated limits of their family's régime."""
    limits = TariffBook.current().eligibility_limits(regime_id=dependent.insured.regime_id, on=on)
    return entitlement.dependent_entitlement(dependent, on=on, limits=limits)

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(mgpap):
    return InsuredFactory(mutuelle=mgpap, first_name="Karim", last_name="Alaoui",
                          user=StaffFactory(role="assure", mutuelle=None))


@pytest.fixture
def spouse(person):
    return DependentFactory(insured=person, relationship="conjoint", first_name="Salma", last_name="Idrissi",
                            birth_date=date(1984, 3, 2), registered_on=date(2010, 1, 1))


@pytest.fixture
def student(person):
    """A son of 23: past the ordinary limit, within the students' one."""
    return DependentFactory(insured=person, first_name="Omar", birth_date=today().replace(year=today().year - 23)
                            - timedelta(days=40), registered_on=date(2010, 1, 1), sex="M")


def accepted(change, agent):
    with_email = accept_family_change(request_id=change.pk, by=agent)
    with_email.refresh_from_db()
    return with_email


def test_an_accepted_birth_registers_the_child_from_the_day_of_acceptance(person, agent,
                                                                          django_capture_on_commit_callbacks):
    # given
    change = declare(person, "naissance", **newborn(first_name_ar="لينا"))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        done = accepted(change, agent)
    # then: the child is a dependant from today, covered today
    child = done.new_dependent
    assert (child.relationship, child.first_name, child.first_name_ar, child.registered_on) == (
        "enfant", "Lina", "لينا", today())
    assert dependent_entitlement(child, on=today()).entitled
    assert (done.status, done.decided_on, done.decided_by) == (FamilyChangeStatus.ACCEPTED, today(), agent)
    assert list(done.events.values_list("from_status", "to_status")) == [("", "en_attente"),
                                                                        ("en_attente", "acceptee")]
    assert "Ayant droit inscrit : Lina Alaoui" in done.events.last().detail
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email] and "est acceptée" in mail.outbox[0].subject
    assert f"à compter du {today():%d/%m/%Y}" in mail.outbox[0].body


def test_an_accepted_marriage_registers_the_spouse_as_declared(person, agent):
    # given
    change = declare(person, "mariage", event_date=today() - timedelta(days=30), first_name="Nora",
                     last_name="Bennis", birth_date=date(1990, 5, 5), sex="F", cnie="bk 123456", covered_elsewhere=True)
    # when
    done = accepted(change, agent)
    # then: the spouse is registered with what was declared (covered elsewhere: not entitled)
    spouse = done.new_dependent
    assert (spouse.relationship, spouse.cnie, spouse.covered_elsewhere, spouse.registered_on) == (
        "conjoint", "BK123456", True, today())
    assert dependent_entitlement(spouse, on=today()).code == "conjoint_autre_regime"


def test_an_accepted_divorce_ends_the_spouse_from_the_day_of_acceptance(person, spouse, agent):
    # given
    change = declare(person, "divorce", dependent_id=spouse.pk, event_date=today() - timedelta(days=3))
    # when
    accepted(change, agent)
    # then
    spouse.refresh_from_db()
    assert spouse.ended_on == today() and change.number in spouse.end_reason and "divorce" in spouse.end_reason
    assert not dependent_entitlement(spouse, on=today()).entitled
    assert dependent_entitlement(spouse, on=today() - timedelta(days=1)).entitled


def test_custody_a_child_leaves_then_joins_the_other_parents_family(person, agent, mgen, django_user_model):
    # given: a child of the insured person; the other parent, insured at the MGEN
    child = DependentFactory(insured=person, first_name="Rayan", birth_date=date(2016, 2, 2), sex="M")
    other = InsuredFactory(mutuelle=mgen, first_name="Amina", user=StaffFactory(role="assure", mutuelle=None))
    mgen_agent = StaffFactory(role="agent", mutuelle=mgen)
    leaves = declare(person, "garde", custody_direction="depart", dependent_id=child.pk,
                     event_date=today() - timedelta(days=10))
    # when: the child leaves, then joins the other parent (typed in full)
    accepted(leaves, agent)
    joins = declare(other, "garde", custody_direction="arrivee", first_name="Rayan", last_name=child.last_name,
                    birth_date=date(2016, 2, 2), sex="M", event_date=today() - timedelta(days=10))
    done = accepted(joins, mgen_agent)
    # then: covered by one family at a time
    child.refresh_from_db()
    assert child.ended_on == today()
    assert done.new_dependent.insured == other and done.new_dependent.registered_on == today()


def test_custody_a_child_who_left_comes_back_on_a_row_of_its_own(person, agent):
    # given: a child who left the family last year
    child = DependentFactory(insured=person, first_name="Sami", birth_date=date(2014, 1, 9), sex="M",
                             registered_on=date(2014, 1, 9), ended_on=today() - timedelta(days=365))
    change = declare(person, "garde", custody_direction="arrivee", dependent_id=child.pk,
                     event_date=today() - timedelta(days=5))
    # when
    done = accepted(change, agent)
    # then: the gap stays uncovered, the new period starts today
    back = done.new_dependent
    assert back.pk != child.pk and back.first_name == "Sami" and back.registered_on == today()
    assert not dependent_entitlement(child, on=today() - timedelta(days=30)).entitled


def test_an_accepted_study_certificate_extends_a_student_childs_rights_for_the_academic_year(person, student, agent):
    # given
    year = f"{today().year}-{today().year + 1}" if today().month >= 9 else f"{today().year - 1}-{today().year}"
    assert not dependent_entitlement(student, on=today()).entitled
    change = declare(person, "etudes", dependent_id=student.pk, academic_year=year)
    # when
    accepted(change, agent)
    # then
    certificate = StudyCertificate.objects.get(dependent=student)
    first = int(year[:4])
    assert (certificate.academic_year, certificate.valid_from, certificate.valid_until) == (
        year, date(first, 9, 1), date(first + 1, 8, 31))
    assert dependent_entitlement(Dependent.objects.get(pk=student.pk), on=today()).code == "etudiant"


def test_an_accepted_maintenance_keeps_a_disabled_childs_rights_numbered_as_the_request(person, agent):
    # given: a child of 30, not covered
    child = DependentFactory(insured=person, first_name="Hamza", birth_date=date(1996, 7, 1), sex="M",
                             registered_on=date(2005, 9, 1))
    change = declare(person, "handicap", dependent_id=child.pk)
    # when
    accepted(change, agent)
    # then
    child.refresh_from_db()
    maintenance = RightsMaintenance.objects.get(dependent=child)
    assert (maintenance.decision_number, maintenance.valid_from, maintenance.valid_until) == (change.number, today(),
                                                                                             None)
    assert child.disabled and dependent_entitlement(child, on=today()).code == "handicap_maintien"


@pytest.mark.parametrize("kind", ["naissance", "mariage", "divorce", "garde", "etudes", "handicap"])
def test_a_refused_request_changes_nothing_and_keeps_the_reason_for_the_person(
        kind, person, spouse, student, agent, django_capture_on_commit_callbacks):
    # given: one request of each kind
    fields = {"naissance": newborn(), "divorce": {"dependent_id": spouse.pk, "event_date": today()},
              "mariage": {**newborn(first_name="Nora", birth_date=date(1990, 1, 1)), "event_date": today()},
              "garde": {"custody_direction": "depart", "dependent_id": student.pk, "event_date": today()},
              "etudes": {"dependent_id": student.pk, "academic_year": f"{today().year - 1}-{today().year}"},
              "handicap": {"dependent_id": student.pk}}[kind]
    change = declare(person, kind, **fields)
    before = {key: value for key, value in registry_state().items() if key not in ("requests", "events")}
    # when
    with django_capture_on_commit_callbacks(execute=True):
        done = refuse_family_change(request_id=change.pk, by=agent, reason="L'acte joint est illisible.")
    # then
    assert {key: value for key, value in registry_state().items() if key not in ("requests", "events")} == before
    assert (done.status, done.refusal_reason, done.decided_on) == ("refusee", "L'acte joint est illisible.", today())
    assert "Motif du refus :\nL'acte joint est illisible." in mail.outbox[0].body


def test_a_refusal_needs_a_reason(person, agent):
    change = declare(person, "naissance", **newborn())
    with pytest.raises(DomainError, match="Motif du refus"):
        refuse_family_change(request_id=change.pk, by=agent, reason="  ")
    change.refresh_from_db()
    assert change.status == "en_attente"


def test_the_decision_email_is_written_in_the_persons_language(person, agent, django_capture_on_commit_callbacks):
    # given
    person.language = "ar"
    person.save(update_fields=["language"])
    change = declare(person, "naissance", **newborn())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        refuse_family_change(request_id=change.pk, by=agent, reason="Acte illisible.")
    # then: the greeting of the status e-mails, in Arabic; the agent's reason as written
    assert mail.outbox[0].body.startswith("مرحبا") and "Acte illisible." in mail.outbox[0].body


def test_one_pending_request_per_kind_and_person(person, agent):
    # given
    first = declare(person, "naissance", **newborn())
    # when / then: the same child again (other spelling) is refused; twins are not
    with pytest.raises(ConflictError, match=first.number):
        declare(person, "naissance", **newborn(first_name="LÎNA", last_name="alaoui "))
    twin = declare(person, "naissance", **newborn(first_name="Lilia"))
    assert twin.status == "en_attente"
    # and once decided, the subject may be declared again
    refuse_family_change(request_id=first.pk, by=agent, reason="Acte illisible.")
    assert declare(person, "naissance", **newborn()).status == "en_attente"


def test_a_request_is_decided_once(person, agent):
    change = declare(person, "naissance", **newborn())
    accept_family_change(request_id=change.pk, by=agent)
    with pytest.raises(ConflictError):
        accept_family_change(request_id=change.pk, by=agent)
    with pytest.raises(ConflictError):
        refuse_family_change(request_id=change.pk, by=agent, reason="Trop tard.")
    assert Dependent.objects.filter(insured=person, first_name="Lina").count() == 1


def test_an_agent_of_another_mutuelle_can_neither_accept_nor_refuse(person, other_agent, fund_officer):
    # given
    change = declare(person, "naissance", **newborn())
    before = registry_state()
    # when / then: for them the request does not exist; an organisme officer may not decide either
    with pytest.raises(DomainError, match="introuvable"):
        accept_family_change(request_id=change.pk, by=other_agent)
    with pytest.raises(DomainError, match="introuvable"):
        refuse_family_change(request_id=change.pk, by=other_agent, reason="Non.")
    with pytest.raises(DomainError, match="rôle"):
        accept_family_change(request_id=change.pk, by=fund_officer)
    assert registry_state() == before


def test_the_person_withdraws_a_pending_request_but_not_another_persons(person, mgpap):
    # given
    change = declare(person, "naissance", **newborn())
    stranger = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None))
    # when / then
    with pytest.raises(DomainError):
        withdraw_family_change(request_id=change.pk, insured=stranger, by=stranger.user)
    done = withdraw_family_change(request_id=change.pk, insured=person, by=person.user)
    assert done.status == "retiree" and done.decided_on is None
    assert FamilyChangeRequest.objects.get(pk=change.pk).events.count() == 2


def test_a_request_that_no_longer_holds_is_not_accepted(person, spouse, agent):
    # given: two divorces filed for the same spouse... the first withdrawn, a second accepted meanwhile
    change = declare(person, "divorce", dependent_id=spouse.pk, event_date=today())
    Dependent.objects.filter(pk=spouse.pk).update(ended_on=today() - timedelta(days=1))
    # when / then: the spouse is no longer a dependant: nothing is written
    with pytest.raises(DomainError, match="ne peut pas être acceptée"):
        accept_family_change(request_id=change.pk, by=agent)
    change.refresh_from_db()
    assert change.status == "en_attente"


def test_a_bad_request_names_its_field_and_writes_nothing(person):
    before = registry_state()
    with pytest.raises(ValidationError) as error:
        declare(person, "naissance", **newborn(birth_date=today() + timedelta(days=1)))
    assert error.value.message_dict == {"birth_date": ["Date de naissance : elle ne peut pas être dans le futur."]}
    assert registry_state() == before
