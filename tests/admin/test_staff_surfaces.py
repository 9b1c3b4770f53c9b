"""Every URL of the portal, tried by a staff session signed in with the password only: none of them serves
anything but the second-factor step (pages and downloads redirect to it, API calls answer 403)."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from rest_framework.test import APIClient

from portal.services.tokens import issue_token
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import StaffFactory, enrol_second_factor

pytestmark = pytest.mark.django_db
SECURITY = reverse("admin:security")
VERIFY = reverse("admin:second_factor_verify")
#: The steps themselves and the ways out stay open (mutuelles.middleware.OPEN_URL_NAMES).
OPEN = {SECURITY, VERIFY, reverse("admin:login"), reverse("admin:logout"), reverse("portal:logout"),
        reverse("portal:set_language")}
SAMPLE_VALUES = {"int": "1", "str": "1", "slug": "x", "path": "1", "uuid": "00000000-0000-0000-0000-000000000000"}


def _concrete(route: str) -> str:
    """'bordereaux/<int:pk>/pdf/' -> 'bordereaux/1/pdf/' (the refusal comes before any lookup)."""
    out, rest = "", route
    while "<" in rest:
        before, _, after = rest.partition("<")
        spec, _, rest = after.partition(">")
        converter = spec.split(":")[0] if ":" in spec else "str"
        out += before + SAMPLE_VALUES[converter]
    return out + rest


def every_url() -> list[str]:
    """Each route of the URL configuration (regex routes of the admin: one app index and its catch-all)."""
    urls = {reverse("admin:app_list", kwargs={"app_label": "claims"}), "/admin/page-inconnue/"}

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            if not isinstance(entry.pattern, RoutePattern):
                continue
            route = prefix + _concrete(str(entry.pattern))
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                urls.add("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(urls - OPEN)


URLS = every_url()


def test_the_walk_finds_every_staff_surface():
    # then: the admin, the payments pages and downloads, the documents, the API, and the public pages
    named = ["admin:index", "admin:claims_claim_changelist", "admin:payments_bordereau_changelist",
             "admin:mutuelles_user_changelist", "payments:dashboard", "api-docs"]
    assert {reverse(name) for name in named} <= set(URLS)
    for route in ["/paiements/bordereaux/1/pdf/", "/paiements/bordereaux/1/csv/",
                  "/paiements/bordereaux/1/ordre-de-virement/", "/paiements/bordereaux/1/ordre-de-virement/pain001/",
                  "/documents/1/", "/admin/claims/claim/1/change/", "/api/v1/moi/", "/"]:
        assert route in URLS
    assert len(URLS) > 150


@pytest.fixture(params=["sans appareil", "appareil enregistré"])
def password_only(request, client, fund_officer):
    """A staff session signed in with the password alone: before enrolment, or without the code."""
    enrolled = request.param == "appareil enregistré"
    if enrolled:
        enrol_second_factor(fund_officer)
        fund_officer.refresh_from_db()
    client.password_only_login(fund_officer)
    return client, VERIFY if enrolled else SECURITY


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_password_only_staff_session_gets_nothing_anywhere(password_only, method):
    # given
    client, step = password_only
    # when
    answers = {url: getattr(client, method)(url) for url in URLS}
    # then: pages and downloads lead to the step, API calls are refused, no content is served
    for url, response in answers.items():
        if url.startswith("/api/"):
            assert response.status_code == 403, url
            assert response.json()["code"] == "double_authentification_requise", url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith(step), url
            assert response.content == b"", url


def test_the_step_brings_the_staff_member_back_to_the_page_asked(password_only):
    # given
    client, step = password_only
    # when
    response = client.get("/paiements/tableau-de-bord/?semaines=4")
    # then
    assert response["Location"] == f"{step}?next=%2Fpaiements%2Ftableau-de-bord%2F%3Fsemaines%3D4"


def test_a_staff_accounts_api_token_is_refused(fund_officer):
    # given: a token made for a staff account (as the token service would for anyone)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=fund_officer)[1]}")
    # when
    response = api.get("/api/v1/moi/")
    # then
    assert response.status_code == 403
    assert "Double authentification requise" in response.json()["message"]


def test_a_verified_staff_session_passes(login, fund_officer):
    # given
    client = login(fund_officer)
    # when / then
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("payments:dashboard")).status_code == 200
    assert client.get("/").status_code == 200


def test_insured_persons_are_not_concerned(client, mgpap):
    # given
    person = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None))
    client.force_login(person.user)
    # then
    assert client.get("/espace/").status_code == 200
    assert client.get("/api/v1/moi/").status_code == 200
