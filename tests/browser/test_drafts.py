"""In Chromium at a phone's width (360 px), in French and in Arabic: an insured person types a claim and
attaches a photo, the session ends before the claim is sent; signed in again (the language kept), the
person finds the draft, typed fields and photo included, and files the claim without choosing the
photo again."""
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim
from portal.models import ClaimDraft
from tests.browser import journeys
from tests.browser import test_insured_portal as insured_portal
from tests.browser.journeys import LANGUAGES
from tests.browser.test_content_security_policy import LISTEN
from tests.browser.test_insured_portal import DEMO_PASSWORD, photo_of_a_care_sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AUTOSAVE = "/espace/dossiers/brouillon/"
browser_page = insured_portal.browser_page  # Chromium at 360 px
words = journeys.words


def sign_in(page, live_server) -> None:
    page.fill("#id_username", "karim.alaoui")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.card button[type=submit]")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_claim_typed_before_the_session_ended_is_found_and_filed_after_signing_in(
        live_server, browser_page, language, words):
    # given: signed in, the claim typed and a photo chosen (each kept by the autosave)
    call_command("load_demo_data", verbosity=0)
    page = browser_page
    page.add_init_script(LISTEN)
    care_date = timezone.localdate() - timedelta(days=2)
    page.goto(f"{live_server.url}/connexion/")
    journeys.choose_language(page, language)
    sign_in(page, live_server)
    page.wait_for_url("**/espace/")
    page.locator("nav").get_by_role("link", name=words("Déposer un dossier")).click()
    journeys.assert_language(page, language)
    with page.expect_response(lambda r: r.url.endswith(AUTOSAVE)):
        page.set_input_files("#id_care_sheet_files", files=[
            {"name": "feuille-de-soins.jpg", "mimeType": "image/jpeg", "buffer": photo_of_a_care_sheet()}])
    kept = words.plural("%(count)s pièce jointe conservée.", "%(count)s pièces jointes conservées.", 1)
    assert kept in page.locator("#draft-status").inner_text()
    page.fill("#id_care_date", care_date.isoformat())
    page.fill("#id_lignes-0-cotation", "Cs")
    page.fill("#id_lignes-0-amount_paid", "200")
    with page.expect_response(lambda r: r.url.endswith(AUTOSAVE)):
        page.fill("#id_prescriber_inpe", "101234567")
    saved = words("Brouillon enregistré à %(time)s.").split("%(time)s")[0].strip()
    page.wait_for_function("(saved) => document.getElementById('draft-status').textContent.includes(saved)",
                           arg=saved)
    assert ClaimDraft.objects.get(user__username="karim.alaoui").fields["prescriber_inpe"] == "101234567"

    # when: the session ends, the form is sent, the person signs in again
    Session.objects.all().delete()
    page.click("button[value=simuler]")
    page.wait_for_url(lambda url: "/connexion/?next=" in url)
    journeys.assert_language(page, language)  # the language outlives the session
    sign_in(page, live_server)
    page.wait_for_url("**/espace/dossiers/nouveau/")

    # then: the draft is offered on the dashboard and fills the page, the photo attached
    page.goto(f"{live_server.url}/espace/")
    journeys.assert_language(page, language)
    page.get_by_role("link", name=words("Reprendre le brouillon")).click()
    assert page.locator("#brouillon-titre").inner_text() == words("Reprendre le brouillon")
    assert page.input_value("#id_prescriber_inpe") == "101234567"
    assert page.input_value("#id_lignes-0-cotation") == "Cs"
    assert page.input_value("#id_care_date") == care_date.isoformat()
    assert "feuille-de-soins.jpg" in page.locator("#draft-files").inner_text()
    page.click("button[value=simuler]")
    assert "120,00" in page.locator("#estimation-card").inner_text()  # AMO: 80 % of the Cs at 150 DH
    page.locator("button[value=envoyer]").first.click()
    page.wait_for_url("**/recepisse/")
    journeys.assert_language(page, language)
    claim = Claim.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]), insured__user__username="karim.alaoui")
    assert list(claim.documents.values_list("original_name", flat=True)) == ["feuille-de-soins.jpg"]
    assert not ClaimDraft.objects.filter(user__username="karim.alaoui").exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("window.__cspViolations") == []
