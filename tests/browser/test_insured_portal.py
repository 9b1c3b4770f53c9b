"""In a real browser (Debian's Chromium driven by Playwright), a demo insured person signs in, files a
claim with a photo, sees it liquidated and downloads the statement; the Arabic portal is right to left."""
import io
import shutil
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEMO_PASSWORD = "demo-AMO-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM),
                       reason="Chromium (paquet Debian « chromium ») absent"),
]


def photo_of_a_care_sheet() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 640), color=(236, 240, 231)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def browser_page(monkeypatch):
    """A Chromium page at a phone's width (360 px). Playwright's sync API runs an event loop in this
    thread, so Django's guard against ORM calls from async code is lifted for the test."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 360, "height": 780}, accept_downloads=True,
                                      locale="fr-FR")
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_insured_person_files_a_claim_with_a_photo_and_downloads_the_statement(live_server, browser_page):
    # given
    call_command("load_demo_data", verbosity=0)
    page = browser_page
    care_date = timezone.localdate() - timedelta(days=2)
    page.goto(f"{live_server.url}/connexion/")
    page.fill("#id_username", "karim.alaoui")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/espace/")
    assert page.locator("h1").inner_text().startswith("Bonjour Karim")

    # when: the claim is typed, previewed and sent with a photo of the care sheet
    page.click("nav >> text=Déposer un dossier")
    page.fill("#id_care_date", care_date.isoformat())
    page.fill("#id_prescriber_inpe", "101234567")
    page.fill("#id_lignes-0-cotation", "Cs")
    page.fill("#id_lignes-0-amount_paid", "200")
    page.set_input_files("#id_care_sheet_files", files=[
        {"name": "feuille-de-soins.jpg", "mimeType": "image/jpeg", "buffer": photo_of_a_care_sheet()}])
    page.click("button[value=simuler]")
    assert page.locator("#estimation").is_visible()
    assert "120,00" in page.locator("#estimation-card").inner_text()  # AMO: 80 % of the Cs at 150 DH
    page.locator("button[value=envoyer]").first.click()
    page.wait_for_url("**/recepisse/")
    number = page.locator(".receipt .big").inner_text()

    # then: the worker's liquidation (run on commit) shows on the claim page, with the statement
    page.click("text=Suivre ce dossier")
    assert page.locator("h1").inner_text().replace("\n", " ").endswith(number)
    assert page.locator("p .badge").inner_text() == "liquidé"
    with page.expect_download() as download_info:
        page.click("text=Télécharger le décompte (PDF)")
    download = download_info.value
    assert download.suggested_filename == f"decompte-{number}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    # and the same portal in Arabic reads right to left
    page.click("button[name=language][value=ar]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert number in page.locator("h1").inner_text()
    assert page.locator("p .badge").inner_text() != "liquidé"  # the status label is translated too
