"""An agent at work, in a real browser: log in, find a claim, adjust a line, accept the claim."""
import os

import pytest
from django.urls import reverse

from claims.models import ClaimStatus
from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act
from tests.factories.mutuelles import PASSWORD, StaffFactory, enrol_second_factor, next_step, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium absent (/usr/bin/chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        context.close()
        browser.close()


def test_agent_finds_a_claim_adjusts_a_line_accepts_it_and_sees_the_new_shares(live_server, page):
    from mutuelles.models import Mutuelle

    # given: a MGPAP agent and a claim waiting for control (Cs paid 250 DH, B 60 paid 66 DH)
    mgpap = Mutuelle.objects.get(code="MGPAP")
    agent = StaffFactory(role="agent", mutuelle=mgpap, username="salma.agent")
    phone, _ = enrol_second_factor(agent)  # her authenticator app, enrolled at her first login
    claim = claim_in_control(insured=InsuredFactory(mutuelle=mgpap, last_name="Bennis", first_name="Hanae"),
                             lines=[act("Cs", "250.00"), act("B 60", "66.00")])
    assert claim.status == ClaimStatus.IN_CONTROL

    # when: she logs in
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.get_by_label("Identifiant").fill(agent.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Code de double authentification").fill(totp_code(phone, step=next_step(phone)))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}{reverse('admin:index')}")
    # and finds the claim from the queue by the insured person's name
    page.goto(f"{live_server.url}{reverse('admin:claims_claim_changelist')}")
    page.locator("#searchbar").fill("Bennis Hanae")
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=claim.number).click()
    # then the desk shows the claim and its shares
    page.wait_for_selector("#desk")
    assert page.locator("#total-amo").inner_text() == "172,80\u00a0DH"

    # when: she adjusts the Cs line to what the sheet says, 120 DH
    page.locator("#panel-ajuster summary").click()
    panel = page.locator("#panel-ajuster")
    panel.get_by_label("Ligne").select_option(label="n° 1 · Cs · payé 250,00\u00a0DH")
    panel.get_by_label("Nouveau montant payé (DH)").fill("120,00")
    panel.get_by_label("Motif de l'ajustement").fill("Honoraires lus sur la feuille : 120 DH.")
    panel.get_by_role("button", name="Ajuster et reliquider").click()
    # then the new shares are shown: AMO 96,00 on the line, 148,80 on the claim
    page.wait_for_selector(".messagelist .success")
    assert "ajustée et dossier reliquidé" in page.locator(".messagelist").inner_text()
    assert page.locator("#line-1 .line-amo").inner_text() == "96,00\u00a0DH"
    assert page.locator("#total-amo").inner_text() == "148,80\u00a0DH"

    # when: she accepts the claim, which has no supporting document: from its own desk, by the
    # button that says so (bulk acceptance leaves such claims to their desk)
    page.locator("#panel-accepter summary").click()
    page.get_by_role("button", name="Accepter sans pièce justificative").click()
    # then it is liquidated with the new shares
    page.wait_for_selector(".messagelist .success")
    assert page.locator("#claim-status").inner_text() == "liquidé"
    assert "accepté et liquidé" in page.locator(".messagelist").inner_text()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    assert str(claim.total_amo) == "148.80"
    assert list(claim.decisions.values_list("kind", flat=True)) == ["ajuster_ligne", "accepter"]
