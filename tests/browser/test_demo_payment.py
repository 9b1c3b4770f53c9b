"""The demo pays end to end, in a real browser, from the demo data alone (what `make run` loads):
the MGPAP supervisor builds and presents a bordereau, a CNOPS officer approves it, the simulated
bank answers its transfer order, and the demo insured person sees his claim "payé"."""
import os
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from claims.models import Claim, ClaimStatus
from payments.models import Bordereau, BordereauStatus
from tests.factories.mutuelles import next_step, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "demo-AMO-2026"


@pytest.fixture
def page(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium absent (/usr/bin/chromium)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def sign_in_to_the_admin(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    # the demo staff's authenticator app: the public demo key load_demo_data gives them
    phone = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.get_by_label("Code de double authentification").fill(totp_code(phone, step=next_step(phone)))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#user-tools")


def test_a_bordereau_is_approved_the_bank_answer_simulated_and_the_insured_person_sees_his_claim_paid(
        live_server, page, settings):
    # given: the demo data, with the demonstration payer accounts, and the simulated bank on (local settings)
    settings.AMO_DEMO_BANK = True
    call_command("load_demo_data", verbosity=0)
    claim = Claim.objects.get(insured__user__username="karim.alaoui", status=ClaimStatus.LIQUIDATED)

    # when: the MGPAP supervisor builds the bordereau for the CNOPS and presents it
    sign_in_to_the_admin(page, live_server, "superviseur.mgpap")
    page.goto(f"{live_server.url}{reverse('admin:payments_bordereau_build')}")
    page.get_by_label("Organisme").select_option(label="CNOPS")
    page.get_by_role("button", name="Constituer le bordereau").click()
    page.get_by_role("button", name="Présenter le bordereau à l'organisme").click()
    page.wait_for_selector(".messagelist .success")
    bordereau_url = page.url
    # then: the desk shows the demonstration accounts it will debit
    assert page.locator(".pay-totals .payer-demo").count() == 2

    # when: a CNOPS officer approves it: the transfer order is issued
    sign_in_to_the_admin(page, live_server, "officier.cnops")
    page.goto(bordereau_url)
    page.get_by_role("button", name="Approuver et émettre l'ordre de virement").click()
    page.wait_for_selector(".messagelist .success")
    assert page.locator(".pay-summary .pay-status").inner_text() == "ordre émis"

    # when: he has the bank's answer simulated (every transfer executed)
    page.get_by_role("button", name=re.compile("Simuler la réponse de la banque")).click()
    page.get_by_role("button", name="Simuler la réponse et l'intégrer").click()
    # then: back on the bordereau, settled
    page.wait_for_selector(".messagelist .success")
    assert "Réponse simulée de la banque intégrée" in page.locator(".messagelist").inner_text()
    assert page.locator(".pay-summary .pay-status").inner_text() == "soldé"
    bordereau = Bordereau.objects.get(lines__claim=claim)
    assert bordereau.status == BordereauStatus.SETTLED

    # when: the insured person opens his claims on the portal
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/connexion/")
    page.fill("#id_username", "karim.alaoui")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.card button[type=submit]")
    page.goto(f"{live_server.url}{reverse('portal:claim_list')}")
    # then: the claim is "payé"
    item = page.locator("li.claim-item").filter(has_text=claim.number)
    assert item.locator(".badge").inner_text() == "payé"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
