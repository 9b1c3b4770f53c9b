"""A child is the dependant of one insured person only: the same child declared under two insured
parents is caught when the birth or custody change is filed, when an agent accepts it, and when an agent
adds a dependant child in the admin. The agent reads the other family's registration number; the insured
person reads only that the child is declared elsewhere, and what to do."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from beneficiaries.models import Dependent
from beneficiaries.services.duplicates import (
    ChildAlreadyDeclared,
    ChildIdentity,
    check_child_not_declared,
    normalised_name,
)
from beneficiaries.services.family_changes import accept_family_change
from tests.beneficiaries.family_support import declare, newborn, registry_state, today
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db
BORN = date(2018, 3, 14)


@pytest.fixture
def mother(mgpap):
    return InsuredFactory(mutuelle=mgpap, first_name="Samira", user=StaffFactory(role="assure", mutuelle=None))


@pytest.fixture
def father(mgen):
    """The other parent, insured at another mutuelle, who declared the child first."""
    person = InsuredFactory(mutuelle=mgen, first_name="Youssef", registration_number="IMM-PERE-0001",
                            user=StaffFactory(role="assure", mutuelle=None))
    DependentFactory(insured=person, first_name="Aya-Nour", last_name="El Amrani", birth_date=BORN,
                     registered_on=BORN)
    return person


@pytest.mark.parametrize("typed", ["Aya-Nour", "aya nour", "AYA NOUR", "Âya Noûr", "ayanour"])
def test_names_are_compared_without_accents_case_spaces_or_hyphens(typed):
    assert normalised_name(typed) == normalised_name("Aya-Nour") == "ayanour"


def test_a_birth_filed_for_a_child_of_another_family_is_refused_without_naming_it(mother, father):
    # given
    before = registry_state()
    # when
    with pytest.raises(ChildAlreadyDeclared) as error:
        declare(mother, "naissance", first_name="aya nour", last_name="EL-AMRANI", birth_date=BORN, sex="F")
    # then: the person is told what to do, not who the other parent is
    assert "déjà déclaré comme ayant droit d'un autre assuré" in error.value.message
    assert "changement de garde" in error.value.message
    assert father.registration_number not in error.value.message
    assert father.registration_number in error.value.staff_message
    assert registry_state() == before


def test_a_custody_change_filed_for_a_child_of_another_family_is_refused(mother, father):
    with pytest.raises(ChildAlreadyDeclared):
        declare(mother, "garde", custody_direction="arrivee", first_name="Aya Nour", last_name="El Amrani",
                birth_date=BORN, sex="F", event_date=today() - timedelta(days=2))


def test_the_same_cnie_is_the_same_child_whatever_the_names(mother, father):
    Dependent.objects.filter(insured=father).update(cnie="JK445566")
    with pytest.raises(ChildAlreadyDeclared):
        declare(mother, "garde", custody_direction="arrivee", first_name="Aya", last_name="Amrani",
                birth_date=BORN, sex="F", cnie="jk445566", event_date=today())


def test_two_different_cnies_are_two_children(mother, father):
    Dependent.objects.filter(insured=father).update(cnie="JK445566")
    change = declare(mother, "garde", custody_direction="arrivee", first_name="Aya-Nour", last_name="El Amrani",
                     birth_date=BORN, sex="F", cnie="JK999999", event_date=today())
    assert change.status == "en_attente"


def test_a_child_whose_rights_ended_elsewhere_may_be_declared(mother, father):
    # given: the father's row ended (custody changed), or the father was struck off
    Dependent.objects.filter(insured=father).update(ended_on=today())
    # when
    change = declare(mother, "garde", custody_direction="arrivee", first_name="Aya-Nour", last_name="El Amrani",
                     birth_date=BORN, sex="F", event_date=today())
    # then
    assert change.status == "en_attente"


def test_a_child_under_a_struck_off_insured_person_is_not_covered_there(mother, father):
    father.status, father.status_since = "radie", today() - timedelta(days=1)
    father.save()
    check_child_not_declared(ChildIdentity("Aya-Nour", "El Amrani", BORN), insured=mother, on=today())


def test_the_agent_cannot_accept_a_child_declared_meanwhile_in_another_family(mother, mgen, agent):
    # given: the mother files first; then the father's mutuelle registers the same child
    change = declare(mother, "naissance", **newborn(first_name="Ilyas", last_name="Tazi", sex="M"))
    father = InsuredFactory(mutuelle=mgen, registration_number="IMM-PERE-0002")
    DependentFactory(insured=father, first_name="Ilyas", last_name="Tazi", birth_date=change.birth_date)
    before = registry_state()
    # when
    with pytest.raises(ChildAlreadyDeclared) as error:
        accept_family_change(request_id=change.pk, by=agent)
    # then: the agent is told which insured person holds the child; nothing is written
    assert "IMM-PERE-0002" in error.value.staff_message and "MGEN" in error.value.staff_message
    assert registry_state() == before


def test_a_child_already_in_the_family_is_not_declared_twice(mother):
    DependentFactory(insured=mother, first_name="Lina", last_name="Alaoui", birth_date=newborn()["birth_date"])
    with pytest.raises(ChildAlreadyDeclared, match="déjà votre ayant droit"):
        declare(mother, "naissance", **newborn())


def dependent_post(insured, **overrides) -> dict:
    data = {"insured": insured.pk, "relationship": "enfant", "last_name": "El Amrani", "first_name": "Aya Nour",
            "cnie": "", "birth_date": BORN.isoformat(), "sex": "F", "registered_on": today().isoformat(),
            "ended_on": "", "end_reason": "", "last_name_ar": "", "first_name_ar": "",
            "study_certificates-TOTAL_FORMS": "0", "study_certificates-INITIAL_FORMS": "0",
            "rights_maintenances-TOTAL_FORMS": "0", "rights_maintenances-INITIAL_FORMS": "0"}
    return {**data, **overrides}


def test_an_agent_adding_a_child_of_another_family_in_the_admin_is_told_whose_it_is(login, supervisor, mother,
                                                                                   father):
    # given: a supervisor of the MGPAP (who may add dependants) adds the mother's child by hand
    client = login(supervisor)
    # when
    response = client.post(reverse("admin:beneficiaries_dependent_add"), dependent_post(mother))
    # then
    assert response.status_code == 200
    assert "IMM-PERE-0001" in response.content.decode()
    assert not Dependent.objects.filter(insured=mother).exists()


def test_an_agent_adding_a_child_in_the_insureds_page_is_checked_too(login, supervisor, mother, father):
    # given: the dependants' inline of the insured person's page
    client = login(supervisor)
    url = reverse("admin:beneficiaries_insured_change", args=[mother.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({key: str(value.pk) if hasattr(value, "pk") else value for key, value in data.items()})
    data.update({"birth_date": mother.birth_date.isoformat(), "status_since": mother.status_since.isoformat(),
                 "affiliated_on": mother.affiliated_on.isoformat(), "card_issued_on": "",
                 "dependents-TOTAL_FORMS": "1", "dependents-INITIAL_FORMS": "0",
                 "dependents-0-relationship": "enfant", "dependents-0-first_name": "AYA-NOUR",
                 "dependents-0-last_name": "el amrani", "dependents-0-birth_date": BORN.isoformat(),
                 "dependents-0-registered_on": today().isoformat(),
                 "transfers-TOTAL_FORMS": "0", "transfers-INITIAL_FORMS": "0"})
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 200, response.headers.get("Location")
    assert "IMM-PERE-0001" in response.content.decode()
    assert not Dependent.objects.filter(insured=mother).exists()


def test_an_agent_may_add_a_child_no_other_family_declares(login, supervisor, mother, father):
    response = login(supervisor).post(reverse("admin:beneficiaries_dependent_add"),
                                      dependent_post(mother, first_name="Meryem"))
    assert response.status_code == 302
    assert Dependent.objects.filter(insured=mother, first_name="Meryem").exists()
