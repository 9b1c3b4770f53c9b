"""The four-eyes buttons of the desk, rendered as each user: who proposed does not see
"Confirmer", a superviseur who did not sees it, and a refused confirmation says why."""
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import ClaimStatus
from claims.services.review import MSG_ONLY_SUPERVISOR, MSG_SAME_PERSON, accept_claim
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db
CONFIRM_BUTTON = "Confirmer (double contrôle)"
ACCEPT_PANEL = 'id="panel-accepter"'


def desk(claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def confirm(claim) -> str:
    return reverse("admin:claims_claim_decide", args=[claim.pk, "confirmer"])


@pytest.fixture
def proposed(claim, mgpap, supervisor):
    """The claim above the four-eyes threshold, accepted first by a superviseur."""
    mgpap.four_eyes_threshold = Decimal("100.00")
    mgpap.save(update_fields=["four_eyes_threshold"])
    claim.refresh_from_db()
    return accept_claim(claim=claim, version=claim.version, by=supervisor)


def test_before_any_proposal_everyone_sees_accept_and_nobody_confirm(login, agent, claim, mgpap):
    mgpap.four_eyes_threshold = Decimal("100.00")
    mgpap.save(update_fields=["four_eyes_threshold"])
    page = login(agent).get(desk(claim)).content.decode()
    assert ACCEPT_PANEL in page
    assert CONFIRM_BUTTON not in page


def test_who_proposed_sees_neither_accept_nor_confirm_but_why(login, supervisor, proposed):
    page = login(supervisor).get(desk(proposed)).content.decode()
    assert CONFIRM_BUTTON not in page
    assert ACCEPT_PANEL not in page
    assert "Vous avez proposé cette décision : un autre agent doit la confirmer" in page
    assert 'id="panel-rejeter"' in page  # correcting or rejecting stays possible


def test_another_superviseur_sees_confirm_and_not_accept(login, mgpap, proposed):
    other = StaffFactory(role="superviseur", mutuelle=mgpap)
    client = login(other)
    page = client.get(desk(proposed)).content.decode()
    assert CONFIRM_BUTTON in page
    assert ACCEPT_PANEL not in page
    assert "Vous avez proposé" not in page
    response = client.post(confirm(proposed), {"confirmer-version": proposed.version})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == ClaimStatus.LIQUIDATED


def test_an_agent_who_is_not_superviseur_sees_no_confirm_and_who_must(login, agent, proposed):
    page = login(agent).get(desk(proposed)).content.decode()
    assert CONFIRM_BUTTON not in page
    assert ACCEPT_PANEL not in page
    assert "Un superviseur de la mutuelle, autre que cette personne, doit la confirmer" in page


@pytest.mark.parametrize(("who", "message"), [("proposer", MSG_SAME_PERSON), ("agent", MSG_ONLY_SUPERVISOR)])
def test_a_refused_confirmation_says_why_in_french(login, agent, supervisor, proposed, who, message):
    # when: a confirmation is sent by someone whose page shows no such button (an old tab, a crafted form)
    user = supervisor if who == "proposer" else agent
    response = login(user).post(confirm(proposed), {"confirmer-version": proposed.version})
    # then: the page says why, at the top, and the claim still waits
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="refused"' in page
    assert message.replace("'", "&#x27;") in page
    proposed.refresh_from_db()
    assert proposed.status == ClaimStatus.IN_CONTROL and proposed.needs_second_approval


def test_the_same_person_refusal_is_the_sentence_agents_read():
    assert MSG_SAME_PERSON == "Vous avez proposé cette décision : un autre agent doit la confirmer."


def test_the_home_page_counts_for_confirmation_only_what_the_superviseur_may_confirm(login, mgpap, supervisor,
                                                                                       proposed):
    other = StaffFactory(role="superviseur", mutuelle=mgpap)
    home = reverse("admin:index")
    assert "<strong>0</strong> à confirmer (double contrôle)" in login(supervisor).get(home).content.decode()
    assert "<strong>1</strong> à confirmer (double contrôle)" in login(other).get(home).content.decode()
