"""Under the Content-Security-Policy (the one production sends: production.py keeps base's), the
portal's pages and the back office load in Chromium without a single violation: no inline script
without its nonce, no style attribute, nothing from another origin."""
import os

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, with_document
from tests.factories.mutuelles import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"

#: Records every violation the page reports, before any of its own scripts runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium absent (/usr/bin/chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def signed_in_page(browser, live_server, user=None):
    """A page whose context carries a session of `user` (None: anonymous), and that collects the
    CSP violations reported by the browser (console and securitypolicyviolation events)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    if user is not None:
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                              "url": live_server.url}])
    page = context.new_page()
    page.add_init_script(LISTEN)
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(message.text))
    return page


def violations_on(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    reported = page.evaluate("window.__cspViolations")
    console = [text for text in page.console_messages if "Content Security Policy" in text]
    page.console_messages.clear()
    return [f"{url}: {text}" for text in reported + console]


def test_the_portal_pages_break_no_rule_of_the_policy(browser, live_server, mgpap):
    # given
    insured = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None, username="nadia.csp"))
    claim = claim_in_control(insured=insured, lines=[act("Cs", "250.00")], documents=with_document(seed=61))
    public = signed_in_page(browser, live_server)
    member = signed_in_page(browser, live_server, insured.user)
    # when
    found = [v for path in ("/", "/simulateur/", "/connexion/", "/inscription/", "/mot-de-passe/oubli/",
                            "/api/v1/docs/")
             for v in violations_on(public, live_server.url + path)]
    public.goto(f"{live_server.url}/simulateur/")
    public.fill("input[name=care_date]", "2025-03-10")
    public.fill("input[name=birth_date]", "1980-01-01")
    public.fill("input[name=l0_cotation]", "Cs")
    public.fill("input[name=l0_paid]", "250")
    public.locator("form button[type=submit]").first.click()
    public.wait_for_load_state("networkidle")
    found += public.evaluate("window.__cspViolations")
    found += [v for path in ("/espace/", "/espace/dossiers/", "/espace/dossiers/nouveau/",
                             f"/espace/dossiers/{claim.pk}/", "/espace/coordonnees/", "/espace/rib/")
              for v in violations_on(member, live_server.url + path)]
    member.goto(f"{live_server.url}/espace/dossiers/nouveau/")
    member.select_option("#id_lignes-0-kind", "medicament")
    member.fill("#id_lignes-0-medicine_code", "Doli")  # the medicine search of portal.js
    member.wait_for_load_state("networkidle")
    found += member.evaluate("window.__cspViolations")
    # then
    assert found == [], "\n".join(found)


def test_the_back_office_breaks_no_rule_of_the_policy(browser, live_server, mgpap, fund_officer):
    # given
    agent = StaffFactory(role="agent", mutuelle=mgpap, username="salma.csp")
    officer = fund_officer
    claim = claim_in_control(insured=InsuredFactory(mutuelle=mgpap), lines=[act("Cs", "250.00")],
                             documents=with_document(seed=62))
    desk = signed_in_page(browser, live_server, agent)
    payments = signed_in_page(browser, live_server, officer)
    # when
    found = [v for url in (reverse("admin:index"), reverse("admin:claims_claim_changelist"),
                           reverse("admin:claims_claim_change", args=[claim.pk]),
                           reverse("admin:beneficiaries_insured_changelist"))
             for v in violations_on(desk, live_server.url + url)]
    found += violations_on(payments, live_server.url + reverse("payments:dashboard"))
    # then
    assert found == [], "\n".join(found)
