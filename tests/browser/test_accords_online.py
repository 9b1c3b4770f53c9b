"""In a real browser: an insured person asks for an ETM in French with the medical report; a médecin
of the mutuelle grants it in the admin with a number; the person files an ALD claim with the ALD code
and the accord number, liquidated at 100 %; the accord's pages in Arabic are right to left."""
import io
import shutil
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import PASSWORD, StaffFactory, enrol_second_factor, next_step, totp_code

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM),
                       reason="Chromium (paquet Debian « chromium ») absent"),
]


def png(color=(236, 240, 231)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 640), color=color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def browser(monkeypatch):
    """Two pages (the insured person's, the médecin's), each its own browser context (own cookies).
    Playwright's sync API runs an event loop in this thread: Django's guard against ORM calls from
    async code is lifted for the test."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        contexts = [chromium.new_context(locale="fr-FR", viewport={"width": 1200, "height": 900}) for _ in range(2)]
        for context in contexts:
            context.set_default_timeout(15_000)
        yield [context.new_page() for context in contexts]
        for context in contexts:
            context.close()
        chromium.close()


def sign_in_insured(page, url: str, username: str) -> None:
    page.goto(f"{url}/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/espace/")


def sign_in_staff(page, url: str, user) -> None:
    phone, _codes = enrol_second_factor(user)
    page.goto(f"{url}{reverse('admin:login')}")
    page.get_by_label("Identifiant").fill(user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Code de double authentification").fill(totp_code(phone, step=next_step(phone)))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{url}{reverse('admin:index')}")


def test_an_etm_requested_online_granted_by_the_medecin_covers_an_ald_claim_at_100_percent(live_server, browser):
    import claims.tasks  # noqa: F401 - registered as a worker registers them (the web process does not import them)
    from approvals.models import Accord, AccordStatus
    from claims.models import Claim, ClaimStatus
    from claims.services.processing import liquidate_pending_claims
    from mutuelles.models import Mutuelle
    from mutuelles.services import system_user

    # given: an insured person of the MGPAP with an online account, and a médecin of the MGPAP
    mgpap = Mutuelle.objects.get(code="MGPAP")
    person = InsuredFactory(mutuelle=mgpap, first_name="Karima", user=StaffFactory(
        role="assure", mutuelle=None, username="karima.etm"))
    doctor = StaffFactory(role="medecin", mutuelle=mgpap, username="dr.benali")
    mine, theirs = browser
    today = timezone.localdate()

    # when: the person asks for an ETM for her type 2 diabetes, in French, with the medical report
    sign_in_insured(mine, live_server.url, "karima.etm")
    mine.click("nav >> text=Mes accords")
    mine.click("text=Demander un accord")
    mine.select_option("#id_kind", "etm")
    mine.select_option("#id_declination", "H011")
    mine.set_input_files("#id_medical_report", files=[
        {"name": "rapport-medical.png", "mimeType": "image/png", "buffer": png()}])
    mine.click("button[type=submit] >> text=Envoyer la demande")
    # then: the request is on its page, waiting
    mine.wait_for_selector("#accord-status")
    assert mine.locator("#accord-status").inner_text() == "demandé"
    accord = Accord.objects.get(insured=person)
    assert accord.documents.count() == 1 and accord.language == "fr"

    # when: the médecin grants it in the admin, from the queue, with a number, from 30 days ago
    sign_in_staff(theirs, live_server.url, doctor)
    theirs.goto(f"{live_server.url}{reverse('admin:approvals_accord_changelist')}")
    theirs.get_by_role("link", name="Décider").first.click()
    assert theirs.get_by_role("link", name="rapport-medical.png").is_visible()
    theirs.select_option("#id_decision", "accorder")
    theirs.fill("#id_number", "ETM-2026-0042")
    theirs.fill("#id_valid_from", (today - timedelta(days=30)).strftime("%d/%m/%Y"))
    theirs.click("input[type=submit]")
    theirs.wait_for_selector(".messagelist .success")
    accord.refresh_from_db()
    assert (accord.status, accord.accord_number) == (AccordStatus.GRANTED, "ETM-2026-0042")
    # then: the person sees it granted, with its validity and the history
    mine.goto(f"{live_server.url}{reverse('approvals:accord_detail', args=[accord.pk])}")
    assert mine.locator("#accord-status").inner_text() == "accordé"
    assert "ETM-2026-0042" in mine.locator("h1").inner_text()
    assert mine.locator("#accord-history li").count() == 2

    # when: she files an ALD claim (a specialist's consultation) with the ALD code and the accord number
    mine.click("nav >> text=Déposer un dossier")
    mine.fill("#id_care_date", (today - timedelta(days=2)).isoformat())
    mine.fill("#id_prescriber_inpe", "101234567")
    mine.check("#id_is_ald")
    mine.select_option("#id_etm_accord_number", "ETM-2026-0042")
    mine.fill("#id_ald_code", "9")  # diabète, n° 9 of the ALD list (the accord's heading)
    mine.fill("#id_lignes-0-cotation", "Cs")
    mine.fill("#id_lignes-0-amount_paid", "150")
    mine.check("#id_lignes-0-ald_linked")
    mine.set_input_files("#id_care_sheet_files", files=[
        {"name": "feuille-ald.png", "mimeType": "image/png", "buffer": png((220, 230, 240))}])
    mine.click("button[value=simuler]")
    mine.locator("button[value=envoyer]").first.click()
    mine.wait_for_url("**/recepisse/")
    claim = Claim.objects.get(insured=person)
    liquidate_pending_claims(by=system_user())  # what the worker does (nothing left if it already did)
    claim.refresh_from_db()
    # then: liquidated, the line at 100 % of its base, nothing left to pay
    assert claim.status == ClaimStatus.LIQUIDATED and claim.etm_accord_number == "ETM-2026-0042"
    line = claim.lines.get()
    assert line.amo_amount == line.base and line.patient_amount == 0
    mine.goto(f"{live_server.url}{reverse('portal:claim_detail', args=[claim.pk])}")
    row = mine.locator("table.amounts tbody tr").first
    assert row.locator("td[data-label='Part AMO']").inner_text() == row.locator("td[data-label='Base']").inner_text()
    assert "100" in row.locator(".explanation").last.inner_text()

    # when: she switches the portal to Arabic and opens her accords
    mine.goto(f"{live_server.url}{reverse('approvals:accord_list')}")
    mine.click("button[lang=ar]")
    mine.wait_for_selector("html[dir=rtl]")
    mine.goto(f"{live_server.url}{reverse('approvals:accord_detail', args=[accord.pk])}")
    # then: the same accord, right to left, with Arabic text
    assert mine.locator("html").get_attribute("dir") == "rtl" and mine.locator("html").get_attribute("lang") == "ar"
    heading = mine.locator("h1").inner_text()
    assert "ETM-2026-0042" in heading and "قرار الإعفاء" in heading
