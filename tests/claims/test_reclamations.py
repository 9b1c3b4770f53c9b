"""The insured person's réclamation: window, four eyes, upheld (the difference paid by the next
bordereau, on the original filing date), dismissed (the ANAM recourse), nothing paid meanwhile,
each person on their own claims only."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import ClaimStatus, Reclamation, ReclamationStatus
from claims.payable import PAYABLE_STATUSES
from claims.services.reclamations import (
    MSG_SAME_PERSON,
    ReclamationConflict,
    ReclamationRefused,
    decide_reclamation,
    file_reclamation,
    may_decide,
    take_up_reclamation,
)
from tests.claims.reclamation_support import (
    build_bordereau,
    days_after_decision,
    decided_with_rejected_line,
    pay_everything,
    rejected_by_agent,
)
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import with_document
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(mgpap):
    return InsuredFactory(mutuelle=mgpap, email="nadia@example.ma",
                          user=StaffFactory(role="assure", mutuelle=None, username="nadia.reclam"))


@pytest.fixture
def second_agent(mgpap):
    return StaffFactory(role="medecin", mutuelle=mgpap)


@pytest.fixture
def liquidated(person, agent, supervisor):
    return decided_with_rejected_line(insured=person, agent=agent, supervisor=supervisor)


def contest_line(claim, person, **kwargs):
    return file_reclamation(claim=claim, by=person.user, reason="L'analyse était prescrite, ordonnance jointe.",
                            line_ids=[claim.lines.get(position=2).pk], **kwargs)


def test_the_window_is_open_on_its_last_day_and_closed_the_day_after(liquidated, person):
    with pytest.raises(ReclamationConflict, match="Le délai de réclamation est dépassé"):
        contest_line(liquidated, person, today=days_after_decision(liquidated, 61))
    reclamation = contest_line(liquidated, person, today=days_after_decision(liquidated, 60))
    assert reclamation.status == ReclamationStatus.FILED
    liquidated.refresh_from_db()
    assert liquidated.status == ClaimStatus.UNDER_APPEAL


def test_the_author_of_the_contested_decision_cannot_decide_it(liquidated, person, agent, second_agent):
    reclamation = contest_line(liquidated, person)
    assert reclamation.contested_by == agent
    assert not may_decide(reclamation, agent) and may_decide(reclamation, second_agent)
    with pytest.raises(ReclamationRefused) as refused:
        decide_reclamation(reclamation=reclamation, by=agent, upheld=True, decision="Je maintiens.")
    assert refused.value.message == MSG_SAME_PERSON
    with pytest.raises(ReclamationRefused):
        take_up_reclamation(reclamation=reclamation, by=agent)
    reclamation.refresh_from_db()
    assert reclamation.status == ReclamationStatus.FILED


def test_another_mutuelle_cannot_decide(liquidated, person, other_agent):
    reclamation = contest_line(liquidated, person)
    with pytest.raises(ReclamationRefused, match="Seuls les agents et médecins de la mutuelle"):
        decide_reclamation(reclamation=reclamation, by=other_agent, upheld=True, decision="Accordé.")


def test_upheld_after_payment_the_next_bordereau_pays_only_the_difference(
        liquidated, person, mgpap, supervisor, second_agent, fund_officer, django_capture_on_commit_callbacks):
    pay_everything(mutuelle=mgpap, supervisor=supervisor, officer=fund_officer,
                   capture=django_capture_on_commit_callbacks)
    liquidated.refresh_from_db()
    assert liquidated.status == ClaimStatus.PAID
    paid_before = liquidated.reimbursed
    reclamation = contest_line(liquidated, person)
    take_up_reclamation(reclamation=reclamation, by=second_agent)
    decide_reclamation(reclamation=reclamation, by=second_agent, upheld=True,
                       decision="Ordonnance produite : l'analyse est remboursée.")
    liquidated.refresh_from_db()
    line = liquidated.lines.get(position=2)
    assert line.rejected_reason_code == "" and line.amo_amount > 0
    difference = liquidated.reimbursed - paid_before
    assert difference == line.amo_amount + line.complementary_amount > Decimal("0.00")
    assert liquidated.status == ClaimStatus.LIQUIDATED

    bordereau = build_bordereau(mutuelle=mgpap, capture=django_capture_on_commit_callbacks)
    payment = bordereau.lines.get(claim=liquidated)
    assert payment.amo + payment.complementary == difference
    # the timeline shows the first decision and the réclamation's
    steps = list(liquidated.status_changes.order_by("changed_at", "pk").values_list("to_status", "reason_code"))
    assert (ClaimStatus.LIQUIDATED, "acceptation_agent") in steps
    assert steps[-3][0] == ClaimStatus.UNDER_APPEAL
    assert steps[-2] == (ClaimStatus.LIQUIDATED, "reclamation_accueillie")
    assert steps[-1][0] == ClaimStatus.IN_BATCH


def test_a_claim_under_reclamation_is_not_put_in_a_bordereau(
        liquidated, person, agent, supervisor, mgpap, django_capture_on_commit_callbacks):
    assert ClaimStatus.UNDER_APPEAL not in PAYABLE_STATUSES
    other = decided_with_rejected_line(insured=InsuredFactory(mutuelle=mgpap), agent=agent, supervisor=supervisor)
    contest_line(liquidated, person)
    bordereau = build_bordereau(mutuelle=mgpap, capture=django_capture_on_commit_callbacks)
    assert list(bordereau.lines.values_list("claim_id", flat=True)) == [other.pk]
    liquidated.refresh_from_db()
    assert liquidated.status == ClaimStatus.UNDER_APPEAL


def test_upheld_rejection_is_liquidated_again_on_its_original_filing_date(person, agent, second_agent):
    claim = rejected_by_agent(insured=person, agent=agent)
    filed_on = claim.filed_on
    assert (date.today() - filed_on).days > 60  # filed today, the claim would be out of time
    reclamation = file_reclamation(claim=claim, by=person.user, reason="La signature y est, voyez la page 2.",
                                   documents=with_document(77))
    assert reclamation.documents.count() == 1 and reclamation.contested_by == agent
    decide_reclamation(reclamation=reclamation, by=second_agent, upheld=True, decision="Signature trouvée.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    assert claim.filed_on == filed_on and claim.rejection_code == ""
    assert claim.reimbursed > 0
    steps = list(claim.status_changes.values_list("to_status", flat=True))
    assert steps[-3:] == [ClaimStatus.REJECTED, ClaimStatus.UNDER_APPEAL, ClaimStatus.LIQUIDATED]


def test_dismissed_goes_back_and_the_page_explains_the_anam_recourse(liquidated, person, second_agent, client):
    reclamation = contest_line(liquidated, person)
    decide_reclamation(reclamation=reclamation, by=second_agent, upheld=False,
                       decision="L'analyse n'était pas sur l'ordonnance.")
    liquidated.refresh_from_db()
    assert liquidated.status == ClaimStatus.LIQUIDATED
    client.force_login(person.user)
    page = client.get(reverse("portal:reclamation_detail", args=[reclamation.pk])).content.decode()
    assert "L&#x27;analyse n&#x27;était pas sur l&#x27;ordonnance." in page
    assert "saisir l'Agence nationale de l'assurance maladie (ANAM)" in page and "loi 65-00" in page
    answer = client.get(reverse("portal-api-reclamation", args=[reclamation.pk])).json()
    assert answer["status"] == "rejetee" and "ANAM" in answer["next_recourse"]


def test_each_step_is_an_audit_row_and_one_email(liquidated, person, second_agent, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reclamation = contest_line(liquidated, person)
    with django_capture_on_commit_callbacks(execute=True):
        decide_reclamation(reclamation=reclamation, by=second_agent, upheld=True, decision="Analyse prescrite.")
    subjects = [message.subject for message in mailoutbox if "réclamation" in message.subject]
    assert subjects == [f"Dossier {liquidated.number} : votre réclamation a bien été reçue",
                        f"Dossier {liquidated.number} : votre réclamation est accueillie"]
    body = mailoutbox[-1].body
    assert "Réclamation accueillie : Analyse prescrite." in body and "prochain bordereau" in body


def test_one_open_reclamation_at_a_time_and_lines_must_be_contestable(liquidated, person):
    with pytest.raises(ReclamationRefused, match="Choisissez la ou les lignes"):
        file_reclamation(claim=liquidated, by=person.user, reason="Tout.")
    contest_line(liquidated, person)
    with pytest.raises(ReclamationConflict):
        contest_line(liquidated, person)
    assert Reclamation.objects.filter(claim=liquidated).count() == 1


# --- pages and API: each person on their own claims ------------------------------------------------


def test_the_portal_page_files_a_reclamation_with_a_document(liquidated, person, client):
    from tests.factories.claims import image_document

    client.force_login(person.user)
    detail = client.get(reverse("portal:claim_detail", args=[liquidated.pk])).content.decode()
    assert reverse("portal:reclamation_new", args=[liquidated.pk]) in detail
    page = client.get(reverse("portal:reclamation_new", args=[liquidated.pk]))
    assert page.status_code == 200 and "Envoyer la réclamation" in page.content.decode()
    scan = image_document(seed=31).file
    scan.seek(0)
    response = client.post(reverse("portal:reclamation_new", args=[liquidated.pk]), {
        "lines": [liquidated.lines.get(position=2).pk], "reason": "Analyse prescrite.", "files": [scan]})
    reclamation = Reclamation.objects.get(claim=liquidated)
    assert response.status_code == 302 and response.url == reverse("portal:reclamation_detail", args=[reclamation.pk])
    assert reclamation.documents.count() == 1


def test_a_person_can_neither_see_nor_contest_another_persons_claim(liquidated, person, mgpap, client):
    from rest_framework.test import APIClient

    from portal.services.tokens import issue_token

    reclamation = contest_line(liquidated, person)
    other = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None, username="omar.autre"))
    client.force_login(other.user)
    assert client.get(reverse("portal:reclamation_new", args=[liquidated.pk])).status_code == 404
    assert client.post(reverse("portal:reclamation_new", args=[liquidated.pk]),
                       {"reason": "x"}).status_code == 404
    assert client.get(reverse("portal:reclamation_detail", args=[reclamation.pk])).status_code == 404
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=other.user, name='téléphone')[1]}")
    assert api.get(reverse("portal-api-reclamations")).json() == []
    assert api.get(reverse("portal-api-reclamation", args=[reclamation.pk])).status_code == 404
    answer = api.post(reverse("portal-api-reclamations"), {"claim": liquidated.pk, "reason": "À moi ?"}, format="json")
    assert answer.status_code == 404
    assert Reclamation.objects.count() == 1


def test_the_api_files_and_lists_the_persons_reclamations(liquidated, person):
    from rest_framework.test import APIClient

    from portal.services.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=person.user, name='téléphone')[1]}")
    line = liquidated.lines.get(position=2)
    created = api.post(reverse("portal-api-reclamations"),
                       {"claim": liquidated.pk, "reason": "Analyse prescrite.", "lines": [line.pk]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["lines"] == [line.pk] and created.json()["status"] == "deposee"
    again = api.post(reverse("portal-api-reclamations"), {"claim": liquidated.pk, "reason": "Encore."}, format="json")
    assert again.status_code == 409
    assert [item["id"] for item in api.get(reverse("portal-api-reclamations")).json()] == [created.json()["id"]]


# --- the mutuelle's queue in the admin -------------------------------------------------------------


def test_the_admin_shows_the_decide_buttons_only_to_who_may_decide(liquidated, person, agent, second_agent,
                                                                    other_agent, login):
    reclamation = contest_line(liquidated, person)
    url = reverse("admin:claims_reclamation_change", args=[reclamation.pk])
    as_author = login(agent).get(url).content.decode()
    assert "Accueillir et reliquider" not in as_author and "Vous avez pris la décision contestée" in as_author
    queue = login(second_agent).get(reverse("admin:claims_reclamation_changelist")).content.decode()
    assert liquidated.number in queue
    client = login(second_agent)
    assert "Accueillir et reliquider" in client.get(url).content.decode()
    response = client.post(reverse("admin:claims_reclamation_decide", args=[reclamation.pk, "accueillir"]),
                           {"decision": "Analyse prescrite."})
    assert response.status_code == 302
    reclamation.refresh_from_db()
    assert reclamation.status == ReclamationStatus.UPHELD and reclamation.decided_by == second_agent
    assert login(other_agent).get(url).status_code == 404
