"""Limits that hold behind a proxy: the client address is read from X-Forwarded-For only from a trusted
proxy; sign-in failures count per account and address (nobody locks an officer out from elsewhere,
one address spraying many accounts is still stopped); the simulator page shares the API's throttle;
password-reset requests and daily filings and uploads are limited."""
import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client, RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from claims.models import Claim, ClaimDocument
from tests.factories.mutuelles import PASSWORD, StaffFactory
from tests.portal.conftest import claim_payload, liquidated_claim
from tests.portal.test_api import png
from tests.portal.test_pages import claim_form, photo

pytestmark = pytest.mark.django_db
PROXY = "172.31.250.10"
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.20"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]


def sign_in(username: str, password: str, **meta):
    """authenticate() as every sign-in path calls it (portal, admin, API token), from a request with `meta`."""
    request = RequestFactory().post("/connexion/", **meta)
    return authenticate(request, username=username, password=password)


def sign_in_page(username: str, password: str, **meta):
    return Client(**meta).post("/connexion/", {"username": username, "password": password})


# --- The client address ---------------------------------------------------------------------------

def test_a_client_cannot_pick_the_address_its_failures_count_under(member, behind_proxy, settings):
    # given: a client that is not the proxy writes a new X-Forwarded-For at each attempt
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in_page(member.user.username, "devine", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"10.9.8.{n}")
    # when: the right password, with yet another forged header
    response = sign_in_page(member.user.username, PASSWORD, REMOTE_ADDR=ATTACKER,
                            HTTP_X_FORWARDED_FOR="10.9.8.250")
    # then: every failure was counted under the real address, which is locked out
    assert response.status_code == 429
    [(address, failures)] = AccessAttempt.objects.values_list("ip_address", "failures_since_start")
    assert address == ATTACKER
    assert failures >= settings.AXES_FAILURE_LIMIT


def test_behind_the_proxy_failures_count_under_the_forwarded_client(member, behind_proxy, settings):
    # given: the proxy forwards failures of one client (a forged left part of the header is ignored)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_page(member.user.username, "devine", REMOTE_ADDR=PROXY,
                     HTTP_X_FORWARDED_FOR=f"10.1.1.1, {ATTACKER}")
    # when: the owner, another client behind the same proxy
    response = sign_in_page(member.user.username, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OFFICE)
    # then
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(ip_address=ATTACKER).exists()
    assert not AccessAttempt.objects.filter(ip_address__in=[PROXY, "10.1.1.1"]).exists()


def test_the_api_throttle_ignores_a_forged_forwarded_for(behind_proxy, monkeypatch):
    # given: two simulations a minute per address
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"simulation": "2/min"})
    api = APIClient(REMOTE_ADDR=ATTACKER)
    body = {"mutuelle": "MGPAP", "care_date": "2025-12-15", "filing_date": "2025-12-15",
            "beneficiary": {"relationship": "assure", "birth_date": "1980-01-01"},
            "lines": [{"kind": "acte", "cotation": "C", "paid": "80.00"}]}
    # when: each request claims another address
    codes = [api.post("/api/v1/simulations/", body, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
             for n in range(3)]
    # then
    assert codes == [200, 200, 429]


# --- Lockout per account and address --------------------------------------------------------------

def test_an_officer_attacked_from_one_address_still_signs_in_from_the_office(fund_officer, settings):
    # given: an attacker guesses the CNOPS officer's password past the limit
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        assert sign_in(fund_officer.username, "devine", REMOTE_ADDR=ATTACKER) is None
    # when
    from_attacker = sign_in(fund_officer.username, PASSWORD, REMOTE_ADDR=ATTACKER)
    from_office = sign_in(fund_officer.username, PASSWORD, REMOTE_ADDR=OFFICE)
    # then: locked out where the failures came from, not at the office
    assert from_attacker is None
    assert from_office == fund_officer
    attempt = AccessAttempt.objects.get(username=fund_officer.username)
    assert attempt.ip_address == ATTACKER
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_one_address_spraying_many_accounts_is_stopped(member, settings):
    # given: one failure on each of many accounts, from one address (none reaches the per-account limit)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        StaffFactory(username=f"cible.{n}", role="assure", mutuelle=None)
        sign_in(f"cible.{n}", "Motdepasse2026", REMOTE_ADDR=ATTACKER)
    assert max(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 1
    # when: even a right password, from that address; and the same account from another
    page = sign_in_page(member.user.username, PASSWORD, REMOTE_ADDR=ATTACKER)
    token = APIClient(REMOTE_ADDR=ATTACKER).post("/api/v1/jeton/", {"username": member.user.username,
                                                                    "password": PASSWORD}, format="json")
    elsewhere = sign_in_page(member.user.username, PASSWORD, REMOTE_ADDR=OFFICE)
    # then
    assert page.status_code == 200
    assert "Trop d&#x27;échecs de connexion depuis votre connexion" in page.content.decode()
    assert token.status_code == 429
    assert not member.user.api_tokens.exists()
    assert elsewhere.status_code == 302


# --- The simulator page ---------------------------------------------------------------------------

SIMULATOR_FORM = {"mutuelle": "MGPAP", "care_date": "2025-03-10", "filing_date": "2025-03-20",
                  "relationship": "assure", "birth_date": "1980-01-01", "l0_kind": "acte", "l0_cotation": "Cs",
                  "l0_quantity": "1", "l0_paid": "250,00"}


def test_the_simulator_page_shares_the_api_rate(monkeypatch):
    # given
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"simulation": "2/min"})
    page = Client(REMOTE_ADDR=ATTACKER)
    api = APIClient(REMOTE_ADDR=ATTACKER)
    body = {"mutuelle": "MGPAP", "care_date": "2025-12-15", "filing_date": "2025-12-15",
            "beneficiary": {"relationship": "assure", "birth_date": "1980-01-01"},
            "lines": [{"kind": "acte", "cotation": "C", "paid": "80.00"}]}
    # when: one simulation by the API, then the page twice
    through_api = api.post("/api/v1/simulations/", body, format="json")
    first = page.post("/simulateur/", SIMULATOR_FORM)
    second = page.post("/simulateur/", SIMULATOR_FORM)
    other_address = Client(REMOTE_ADDR=OFFICE).post("/simulateur/", SIMULATOR_FORM)
    # then
    assert (through_api.status_code, first.status_code, second.status_code) == (200, 200, 429)
    assert "Trop de simulations" in second.content.decode()
    assert other_address.status_code == 200
    assert page.get("/simulateur/").status_code == 200  # reading the form is not a simulation


# --- Password resets ------------------------------------------------------------------------------

def test_password_resets_are_limited_per_email_address(member, settings):
    # given
    allowed = settings.PASSWORD_RESETS_PER_EMAIL
    # when: each request from another address
    codes = [Client(REMOTE_ADDR=f"192.0.2.{n}").post("/mot-de-passe/oubli/", {"email": member.user.email}).status_code
             for n in range(allowed + 1)]
    # then
    assert codes == [302] * allowed + [429]
    assert len(mail.outbox) == allowed


def test_password_resets_are_limited_per_client_address(member, settings):
    # given
    settings.PASSWORD_RESETS_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR=ATTACKER)
    # when: many addresses asked from one client
    codes = [client.post("/mot-de-passe/oubli/", {"email": f"inconnu{n}@exemple.ma"}).status_code for n in range(3)]
    refused = client.post("/mot-de-passe/oubli/", {"email": member.user.email})
    elsewhere = Client(REMOTE_ADDR=OFFICE).post("/mot-de-passe/oubli/", {"email": member.user.email})
    # then
    assert codes == [302, 302, 302]
    assert refused.status_code == 429
    assert "Trop de demandes de nouveau mot de passe" in refused.content.decode()
    assert elsewhere.status_code == 302
    assert [m.to for m in mail.outbox] == [[member.user.email]]


# --- Daily quotas ---------------------------------------------------------------------------------

def test_filings_past_the_daily_quota_are_refused_in_french(api, member, settings):
    # given
    settings.CLAIMS_PER_DAY = 2
    first = api.post("/api/v1/dossiers/", claim_payload(), format="json", HTTP_IDEMPOTENCY_KEY="app-1")
    api.post("/api/v1/dossiers/", claim_payload(care_sheet_number="FS-2"), format="json")
    # when
    refused = api.post("/api/v1/dossiers/", claim_payload(care_sheet_number="FS-3"), format="json")
    replay = api.post("/api/v1/dossiers/", claim_payload(), format="json", HTTP_IDEMPOTENCY_KEY="app-1")
    # then
    assert refused.status_code == 429
    assert refused.json()["code"] == "quota_depasse"
    assert refused.json()["message"].startswith("Vous avez déposé 2 dossiers aujourd'hui")
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    assert Claim.objects.filter(insured=member).count() == 2


def test_uploads_past_the_daily_quota_are_refused_before_reading_them(api, member, settings):
    # given
    settings.DOCUMENTS_PER_DAY = 2
    claim_id = api.post("/api/v1/dossiers/", claim_payload(), format="json").json()["id"]
    assert api.post(f"/api/v1/dossiers/{claim_id}/pieces/", {"files": [png(1)]}, format="multipart").status_code \
        == 201
    # when
    refused = api.post(f"/api/v1/dossiers/{claim_id}/pieces/", {"files": [png(2), png(3)]}, format="multipart")
    # then
    assert refused.status_code == 429
    assert "2 fichiers au plus par jour (déjà 1 aujourd'hui)" in refused.json()["message"]
    assert ClaimDocument.objects.filter(claim_id=claim_id).count() == 1


def test_the_claim_page_tells_the_daily_quota(member_client, member, settings):
    # given: a previewed claim, then the day's quota reached
    preview = member_client.post("/espace/dossiers/nouveau/", {**claim_form(), "care_sheet_files": [photo(4)]})
    hidden = {"documents_token": preview.context["form"]["documents_token"].value(),
              "preview_print": preview.context["form"]["preview_print"].value()}
    settings.CLAIMS_PER_DAY = 0
    # when
    response = member_client.post("/espace/dossiers/nouveau/", {**claim_form(action="envoyer"), **hidden})
    # then
    assert response.status_code == 400
    assert "Vous avez déposé 0 dossiers aujourd&#x27;hui" in response.content.decode()
    assert not Claim.objects.filter(insured=member).exists()


def test_the_documents_page_tells_the_daily_quota(member_client, member, settings):
    # given
    settings.DOCUMENTS_PER_DAY = 1
    claim = liquidated_claim(member, seed=77)  # its document was uploaded today
    # when
    response = member_client.post(f"/espace/dossiers/{claim.pk}/pieces/", {"kind": "autre", "files": [photo(5)]})
    # then
    assert response.status_code == 400
    assert "1 fichiers au plus par jour (déjà 1 aujourd&#x27;hui)" in response.content.decode()
    assert ClaimDocument.objects.filter(claim=claim).count() == 1
