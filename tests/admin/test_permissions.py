"""Who sees what in the back office: every role against every admin URL of claims, insured
persons, dependants, ETM accords and documents, and against the document download.

Mutuelle staff see their own mutuelle only (another mutuelle's object answers 404, never its
data); CNOPS officers see all mutuelles' claims read-only; insured persons and anonymous
visitors are sent to the login page.
"""
import pytest
from django.urls import reverse

from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import DependentFactory, ETMAccordFactory, InsuredFactory
from tests.factories.claims import act, with_document
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db

ROLES = ["agent", "medecin", "superviseur", "agent_mgen", "organisme", "assure", "anonyme"]
MGPAP_STAFF = {"agent", "medecin", "superviseur"}
KINDS = {"claim": "claims_claim", "insured": "beneficiaries_insured", "dependent": "beneficiaries_dependent",
         "etm": "approvals_accord", "document": "claims_claimdocument"}


@pytest.fixture
def world(mgpap):
    """A MGPAP family and its claim under control, with a document, a dependant and an ETM accord."""
    insured = InsuredFactory(mutuelle=mgpap, last_name="Kettani", first_name="Rim", cnie="BK777001")
    dependent = DependentFactory(insured=insured, first_name="Sami")
    accord = ETMAccordFactory(insured=insured)
    claim = claim_in_control(insured=insured, lines=[act("Cs", "250.00"), act("XYZ 3", "30.00")],
                             documents=with_document(77))
    assert claim.status == "en_controle"
    return {"claim": claim, "insured": insured, "dependent": dependent, "etm": accord,
            "document": claim.documents.get()}


@pytest.fixture
def actor(request, mgpap, mgen):
    from mutuelles.models import AMOFund

    role = request.param
    if role == "anonyme":
        return role, None
    if role == "assure":
        user = StaffFactory(role="assure", is_staff=False)
        InsuredFactory(mutuelle=mgpap, user=user)  # an insured person of the same mutuelle, not the family's
        return role, user
    if role == "organisme":
        return role, StaffFactory(role="organisme", fund=AMOFund.objects.get(code="CNOPS"))
    if role == "agent_mgen":
        return role, StaffFactory(role="agent", mutuelle=mgen)
    return role, StaffFactory(role=role, mutuelle=mgpap)


def expected(role: str, kind: str, view: str) -> int:
    """The status code each role must get on each admin URL of each kind of object."""
    if role in {"assure", "anonyme"}:
        return 302  # to the admin login page
    if view in {"add", "delete"}:
        return 403  # nothing is created or deleted in the back office
    if role == "agent_mgen":
        return 200 if view == "changelist" else 404  # an empty list; the object "does not exist"
    if role == "organisme":
        if kind == "etm":
            return 403  # medical data of the mutuelles: not in the CNOPS officers' role
        if view == "decide":
            return 403  # read-only
        return 200
    return 200


def admin_urls(kind: str, obj) -> dict[str, str]:
    prefix = f"admin:{KINDS[kind]}"
    urls = {"changelist": reverse(f"{prefix}_changelist"), "change": reverse(f"{prefix}_change", args=[obj.pk]),
            "history": reverse(f"{prefix}_history", args=[obj.pk]),
            "delete": reverse(f"{prefix}_delete", args=[obj.pk])}
    if kind in {"claim", "document"}:
        urls["add"] = reverse(f"{prefix}_add")
    if kind == "claim":
        urls["decide"] = reverse("admin:claims_claim_decide", args=[obj.pk, "accepter"])
    return urls


@pytest.mark.parametrize("actor", ROLES, indirect=True)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_admin_url_answers_each_role_as_its_scope_says(client, world, actor, kind):
    # given
    role, user = actor
    if user is not None:
        client.force_login(user)
    obj = world[kind]
    # when
    answers = {}
    for view, url in admin_urls(kind, obj).items():
        response = client.post(url, {}) if view == "decide" else client.get(url)
        answers[view] = response.status_code
        if response.status_code == 200 and view == "changelist" and kind != "etm":
            listed = str(world["claim"].number if kind in {"claim", "document"} else obj.last_name
                         if kind in {"insured", "dependent"} else obj.accord_number)
            assert (listed in response.content.decode()) is (role in MGPAP_STAFF | {"organisme"}), (role, kind)
    # then
    assert answers == {view: expected(role, kind, view) for view in answers}, (role, kind)


@pytest.mark.parametrize("actor", ROLES, indirect=True)
def test_document_download_is_served_only_to_those_who_see_the_claim(client, world, actor):
    # given
    role, user = actor
    if user is not None:
        client.force_login(user)
    # when
    response = client.get(reverse("claims:document", args=[world["document"].pk]))
    # then
    wanted = {"anonyme": 302, "assure": 404, "agent_mgen": 404}.get(role, 200)
    assert response.status_code == wanted
    if wanted == 200:
        assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize("term", ["number", "cnie", "registration", "name"])
def test_search_never_returns_another_mutuelles_claims(client, world, other_agent, term):
    # given
    insured, claim = world["insured"], world["claim"]
    value = {"number": claim.number, "cnie": insured.cnie, "registration": insured.registration_number,
             "name": "Kettani"}[term]
    client.force_login(other_agent)
    # when
    claims = client.get(reverse("admin:claims_claim_changelist"), {"q": value, "statut": "tous"})
    people = client.get(reverse("admin:beneficiaries_insured_changelist"), {"q": value})
    # then
    assert list(claims.context["cl"].result_list) == []
    assert list(people.context["cl"].result_list) == []
    assert 'id="result_list"' not in claims.content.decode()


def test_agents_list_holds_only_their_mutuelles_claims(client, world, agent, mgen):
    # given
    theirs = claim_in_control(insured=InsuredFactory(mutuelle=mgen, last_name="Zemmouri"))
    client.force_login(agent)
    # when
    page = client.get(reverse("admin:claims_claim_changelist"), {"statut": "tous"}).content.decode()
    # then
    assert world["claim"].number in page
    assert theirs.number not in page


def test_export_of_another_mutuelles_claim_is_empty(client, world, other_agent):
    client.force_login(other_agent)
    response = client.post(reverse("admin:claims_claim_changelist"),
                           {"action": "export_csv", "_selected_action": [world["claim"].pk], "index": 0,
                            "statut": "tous"})
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert world["claim"].number not in body


def test_officer_sees_the_claim_read_only(client, world, fund_officer):
    client.force_login(fund_officer)
    page = client.get(reverse("admin:claims_claim_change", args=[world["claim"].pk])).content.decode()
    assert world["claim"].number in page
    assert "Consultation seule" in page
    assert 'id="actions"' not in page
    assert "Accepter le dossier" not in page
