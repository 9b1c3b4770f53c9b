"""Shared steps of the journeys tested in Chromium at a phone's width (360 px), in French and in
Arabic: the browser, the language switch, signing in (insured persons on the portal, staff in the
admin with their second factor), and the words a page must show in the chosen language."""
import io
import os

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests.browser.test_content_security_policy import LISTEN
from tests.factories.mutuelles import PASSWORD, enrol_second_factor, next_step, totp_code

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 780}
LANGUAGES = ["fr", "ar"]

@pytest.fixture
def chromium(monkeypatch):
    """Debian's Chromium. Playwright's sync API runs an event loop in this thread, so Django's guard
    against ORM calls from async code is lifted for the test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium absent (/usr/bin/chromium)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def phone(browser):
    """A page of its own browser context (own cookies) at 360 px, collecting CSP violations."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.add_init_script(LISTEN)
    return page


class Words:
    """What the portal says in `language`: the catalogue's translation of a French msgid. A msgid the
    Arabic catalogue lacks is expected in French (the page shows it so) and noted in UNTRANSLATED."""

    def __init__(self, language: str):
        self.language = language
        self.untranslated: set[str] = set()

    def _note(self, french: str, shown: str) -> str:
        if self.language != "fr" and shown == french:
            self.untranslated.add(french)
        return shown

    def __call__(self, msgid: str) -> str:
        with translation.override(self.language):
            return self._note(msgid, translation.gettext(msgid))

    def plural(self, singular: str, plural: str, count: int) -> str:
        with translation.override(self.language):
            shown = translation.ngettext(singular, plural, count)
        return self._note(singular if count == 1 else plural, shown) % {"count": count}

    def label(self, lazy) -> str:
        """A lazily translated label (a TextChoices member's), as the page shows it."""
        with translation.override("fr"):
            french = str(lazy)
        with translation.override(self.language):
            return self._note(french, str(lazy))


@pytest.fixture
def words(language):
    """The test's Words; the msgids it found untranslated are printed at its end (pytest -s)."""
    found = Words(language)
    yield found
    if found.untranslated:
        print(f"\n[{language}] sans traduction dans locale/{language}: {sorted(found.untranslated)}")


def choose_language(page, language: str) -> None:
    """The portal's language switch (in the header of every portal page), then the page's direction."""
    if language == "ar":
        page.click("button[name=language][value=ar]")
        page.wait_for_load_state()
    assert_language(page, language)


def assert_language(page, language: str) -> None:
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert (html.get_attribute("dir") == "rtl") == (language == "ar")


def assert_fits_the_phone(page) -> None:
    """Nothing wider than the screen, and no script or style broke the Content-Security-Policy."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert page.evaluate("window.__cspViolations") == [], page.url


def sign_in_insured(page, live_server, username: str, password: str = PASSWORD) -> None:
    """On the portal's sign-in form (in whatever language the page is)."""
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.card button[type=submit]")


def open_portal(page, live_server, username: str, language: str, password: str = PASSWORD) -> None:
    """Open the sign-in page, switch the language, sign in: the personal space, in that language."""
    page.goto(f"{live_server.url}/connexion/")
    choose_language(page, language)
    sign_in_insured(page, live_server, username, password)
    page.wait_for_url("**/espace/")
    assert_language(page, language)


def sign_in_staff(page, live_server, user) -> None:
    """The admin's sign-in: password and the code of the user's authenticator (enrolled if none)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device, _ = enrol_second_factor(user)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.get_by_label("Identifiant").fill(user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Code de double authentification").fill(totp_code(device, step=next_step(device)))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#user-tools")


def photo(colour: tuple[int, int, int]) -> bytes:
    """A JPEG photo of a paper document, distinct per colour."""
    buffer = io.BytesIO()
    Image.new("RGB", (480, 640), color=colour).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def jpeg(name: str, content: bytes) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": content}
