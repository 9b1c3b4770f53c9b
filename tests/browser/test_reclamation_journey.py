"""In Chromium at 360 px, in French and in Arabic: a line of the claim was rejected by an agent; the
insured person contests it from the claim page; the agent who rejected it cannot decide; another
agent of the mutuelle upholds the réclamation in the admin and the claim is liquidated again; the
bordereau is paid by the bank and the person sees the claim "payé", the contested line paid."""
import pytest
from django.urls import reverse

from amo_portal.money import format_dh
from claims.models import ClaimStatus, Reclamation, ReclamationStatus
from tests.browser import journeys
from tests.browser.journeys import LANGUAGES, open_portal, phone, sign_in_staff
from tests.claims.reclamation_support import decided_with_rejected_line, pay_everything
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, words = journeys.chromium, journeys.words
REASON = "L'analyse était prescrite : l'ordonnance est au dossier."
DECISION = "Ordonnance vérifiée : l'analyse est remboursée."


def contest_the_rejected_line(page, live_server, claim, words) -> Reclamation:
    page.goto(f"{live_server.url}{reverse('portal:claim_detail', args=[claim.pk])}")
    page.get_by_role("link", name=words("Contester une décision sur ce dossier")).click()
    assert page.locator("h1").inner_text() == words("Contester une décision")
    assert page.locator("#reclamation-titre").inner_text() == words("Votre réclamation")
    lines = page.locator("input[name=lines]")
    assert lines.count() == 1  # only the rejected line is contestable: the Cs was paid in full
    lines.check()
    page.fill("#id_reason", REASON)
    page.get_by_role("button", name=words("Envoyer la réclamation")).click()
    page.wait_for_url("**/reclamations/*/")
    reclamation = Reclamation.objects.get(claim=claim)
    assert page.locator("#reclamation-status").inner_text() == words("déposée")
    return reclamation


def the_author_sees_no_decision(page, live_server, agent, reclamation) -> None:
    sign_in_staff(page, live_server, agent)
    page.goto(f"{live_server.url}{reverse('admin:claims_reclamation_change', args=[reclamation.pk])}")
    assert page.locator("#reclamation-reason").inner_text() == REASON
    assert page.locator("#not-yours").is_visible()
    assert page.locator("#decide-form").count() == 0
    assert page.get_by_role("button", name="Accueillir et reliquider").count() == 0
    assert page.get_by_role("button", name="Mettre à l'étude").count() == 0


def another_agent_upholds(page, live_server, agent, claim) -> None:
    sign_in_staff(page, live_server, agent)
    page.goto(f"{live_server.url}{reverse('admin:claims_reclamation_changelist')}")
    page.get_by_role("link", name=claim.number).click()
    page.get_by_role("button", name="Mettre à l'étude").click()
    page.wait_for_selector(".messagelist .success")
    page.fill("#id_decision", DECISION)
    page.get_by_role("button", name="Accueillir et reliquider").click()
    page.wait_for_selector(".messagelist .success")
    assert "Réclamation accueillie : dossier reliquidé." in page.locator(".messagelist").inner_text()
    assert page.locator("#reclamation-decision").inner_text().startswith(DECISION)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_contested_line_is_upheld_by_another_agent_reliquidated_and_paid(
        live_server, chromium, mgpap, agent, supervisor, fund_officer, django_capture_on_commit_callbacks,
        language, words):
    # given: Cs 250 DH and B 60 66 DH; the agent rejected the B 60 line and accepted the claim
    person = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None,
                                                              username=f"nadia.reclamation.{language}"))
    other_agent = StaffFactory(role="agent", mutuelle=mgpap, username=f"youssef.agent.{language}")
    claim = decided_with_rejected_line(insured=person, agent=agent, supervisor=supervisor)
    assert claim.lines.get(position=2).rejected_reason_code
    member, desk = phone(chromium), phone(chromium)
    open_portal(member, live_server, person.user.username, language)

    # when: the person contests the rejected line from the claim page
    reclamation = contest_the_rejected_line(member, live_server, claim, words)
    journeys.assert_fits_the_phone(member)
    # then: the claim waits, "en réclamation"
    member.goto(f"{live_server.url}{reverse('portal:claim_detail', args=[claim.pk])}")
    assert member.locator("p .badge").inner_text() == words.label(ClaimStatus.UNDER_APPEAL.label)

    # when: the agent who rejected the line opens the réclamation: no decision for her
    the_author_sees_no_decision(desk, live_server, agent, reclamation)
    # and another agent of the mutuelle takes it up and upholds it
    another_agent_upholds(desk, live_server, other_agent, claim)
    # then: the claim is liquidated again, the B 60 line with its shares
    claim.refresh_from_db()
    line = claim.lines.get(position=2)
    assert claim.status == ClaimStatus.LIQUIDATED
    assert line.rejected_reason_code == "" and line.amo_amount > 0
    reclamation.refresh_from_db()
    assert reclamation.status == ReclamationStatus.UPHELD and reclamation.decided_by == other_agent
    member.goto(f"{live_server.url}{reverse('portal:reclamation_detail', args=[reclamation.pk])}")
    assert member.locator("#reclamation-status").inner_text() == words("accueillie")
    assert member.locator("#decision h2").inner_text() == words("Décision de votre mutuelle : réclamation accueillie")
    assert DECISION in member.locator("#decision").inner_text()
    journeys.assert_fits_the_phone(member)

    # when: the bordereau is built, presented, approved and executed by the bank
    bordereau = pay_everything(mutuelle=mgpap, supervisor=supervisor, officer=fund_officer,
                               capture=django_capture_on_commit_callbacks)
    assert list(bordereau.lines.values_list("claim_id", flat=True)) == [claim.pk]
    # then: the person sees the claim paid, the contested line with its AMO share
    member.goto(f"{live_server.url}{reverse('portal:claim_detail', args=[claim.pk])}")
    journeys.assert_language(member, language)
    assert member.locator("p .badge").inner_text() == words.label(ClaimStatus.PAID.label)
    assert member.locator("#paiement").inner_text() == words("Paiement")
    row = member.locator("table.amounts tbody tr").nth(1)
    assert row.locator("td.line-label").inner_text().startswith("2.")
    assert row.locator(f"td[data-label=\"{words('Part AMO')}\"]").inner_text() == format_dh(line.amo_amount)
    journeys.assert_fits_the_phone(member)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
