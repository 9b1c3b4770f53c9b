"""The agents' queue of family changes in the admin: scoped to their mutuelle (another mutuelle's request
is a 404, in the list, the page, the documents and the decision), the documents opened, the decision
taken (accepted into the registry, or refused with a reason the person reads)."""
import pytest
from django.urls import reverse

from beneficiaries.models import Dependent
from beneficiaries.models_family import FamilyChangeRequest
from tests.beneficiaries.family_support import declare, newborn, registry_state, today
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:beneficiaries_familychangerequest_changelist")


@pytest.fixture
def person(mgpap):
    return InsuredFactory(mutuelle=mgpap, first_name="Karim", user=StaffFactory(role="assure", mutuelle=None))


@pytest.fixture
def birth(person):
    return declare(person, "naissance", **newborn())


def page(change) -> str:
    return reverse("admin:beneficiaries_familychangerequest_change", args=[change.pk])


def decide(change, action: str) -> str:
    return reverse("admin:beneficiaries_familychangerequest_decide", args=[change.pk, action])


def document_url(change) -> str:
    return reverse("admin:beneficiaries_familychangerequest_document", args=[change.documents.get().pk])


def test_the_queue_shows_the_pending_requests_of_the_agents_mutuelle_only(login, agent, birth, mgen):
    # given: a request of another mutuelle's insured person
    theirs = declare(InsuredFactory(mutuelle=mgen, user=StaffFactory(role="assure", mutuelle=None)), "naissance",
                     **newborn(first_name="Hiba"))
    # when
    listed = login(agent).get(QUEUE).content.decode()
    # then
    assert birth.number in listed and theirs.number not in listed


def test_the_decision_page_shows_the_declaration_the_family_and_the_documents(login, agent, birth):
    # when
    response = login(agent).get(page(birth))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lina" in body and birth.insured.registration_number in body
    assert document_url(birth) in body and 'id="accept-form"' in body and 'id="acceptance-ready"' in body


def test_a_document_opens_as_an_image_under_a_sandbox(login, agent, birth):
    response = login(agent).get(document_url(birth))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "attachment" in login(agent).get(document_url(birth) + "?telecharger=1")["Content-Disposition"]


def test_an_agent_accepts_from_the_page_and_the_child_is_registered(login, agent, birth):
    # when
    response = login(agent).post(decide(birth, "accepter"), follow=True)
    # then
    birth.refresh_from_db()
    assert birth.status == "acceptee" and birth.new_dependent.registered_on == today()
    assert "acceptée" in response.content.decode()


def test_a_refusal_without_a_reason_is_not_recorded(login, agent, birth):
    before = registry_state()
    response = login(agent).post(decide(birth, "refuser"), {"reason": ""}, follow=True)
    assert "Motif du refus : il est obligatoire" in response.content.decode()
    assert registry_state() == before


def test_an_agent_refuses_with_a_reason(login, agent, birth):
    login(agent).post(decide(birth, "refuser"), {"reason": "L'acte de naissance joint est illisible."})
    birth.refresh_from_db()
    assert (birth.status, birth.refusal_reason) == ("refusee", "L'acte de naissance joint est illisible.")


def test_an_agent_of_another_mutuelle_can_neither_see_nor_decide(login, other_agent, birth):
    # given
    client = login(other_agent)
    before = registry_state()
    # then: 404 everywhere, nothing written
    assert client.get(page(birth)).status_code == 404
    assert client.get(document_url(birth)).status_code == 404
    assert client.post(decide(birth, "accepter")).status_code == 404
    assert client.post(decide(birth, "refuser"), {"reason": "Non."}).status_code == 404
    assert birth.number not in client.get(QUEUE + "?statut=toutes").content.decode()
    assert registry_state() == before


def test_a_staff_session_without_the_second_factor_reaches_nothing(client, agent, birth):
    client.password_only_login(agent)
    assert client.get(page(birth)).status_code in (302, 403)
    assert client.post(decide(birth, "accepter")).status_code in (302, 403)
    assert FamilyChangeRequest.objects.get(pk=birth.pk).status == "en_attente"


def test_a_duplicate_is_shown_before_the_agent_decides(login, agent, person, mgen):
    # given: the same child is the dependant of an insured person of the MGEN
    change = declare(person, "naissance", **newborn(first_name="Ilyas", sex="M"))
    other = InsuredFactory(mutuelle=mgen, registration_number="IMM-MGEN-0042")
    DependentFactory(insured=other, first_name="Ilyas", last_name=change.last_name, birth_date=change.birth_date)
    # when
    body = login(agent).get(page(change)).content.decode()
    # then: the agent reads the other registration number, and a reason fit for the person
    assert 'id="acceptance-problem"' in body and "IMM-MGEN-0042" in body
    assert "déjà déclaré comme ayant droit d&#x27;un autre assuré" in body
    response = login(agent).post(decide(change, "accepter"), follow=True)
    assert "IMM-MGEN-0042" in response.content.decode()
    assert not Dependent.objects.filter(insured=person).exists()


def test_a_role_without_the_permission_sees_no_decision(login, medical_officer, birth):
    assert login(medical_officer).get(page(birth)).status_code == 404


@pytest.fixture
def medical_officer(mgpap):
    return StaffFactory(role="medecin", mutuelle=mgpap)
