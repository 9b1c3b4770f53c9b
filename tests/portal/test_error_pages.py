"""Error pages in the portal's layout, in French and Arabic, each with a way back; the 500 page needs
neither the database nor the request to render."""
import pytest
from django.template import loader
from django.test import Client, RequestFactory
from django.views.defaults import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]

PAGES = {
    400: ("/essai/suspect/", "Demande incorrecte"),
    403: ("/essai/interdit/", "Accès refusé"),
    404: ("/espace/dossiers/nulle-part/", "Page introuvable"),
    500: ("/essai/erreur/", "Erreur du serveur"),
}


def get(path: str, *, language: str = "fr", client: Client | None = None):
    client = client or Client()
    client.raise_request_exception = False
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language)


def assert_portal_layout(page: str, *, language: str) -> None:
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


@pytest.mark.parametrize("language", ["fr", "ar"])
@pytest.mark.parametrize("code", sorted(PAGES))
def test_each_error_answers_its_code_in_the_portal_layout_with_a_way_home(settings, code, language):
    # given
    settings.DEBUG = False
    path, heading = PAGES[code]
    # when
    response = get(path, language=language)
    # then
    page = response.content.decode()
    assert response.status_code == code
    assert_portal_layout(page, language=language)
    assert f"<h1 id=\"error-title\">{heading}</h1>" in page or language == "ar"
    assert f"<bdi>{code}</bdi>" in page
    assert 'class="button" href="/"' in page


def test_a_signed_in_person_is_sent_back_to_their_space(settings, member_client):
    # given
    settings.DEBUG = False
    # when
    response = get(PAGES[404][0], client=member_client)
    # then
    assert response.status_code == 404
    assert 'class="button" href="/espace/"' in response.content.decode()


def test_the_500_page_renders_without_the_database_nor_the_request(django_assert_num_queries):
    # when
    with django_assert_num_queries(0):
        bare = loader.get_template("500.html").render()
        response = server_error(RequestFactory().get("/"))
    # then
    assert "Erreur du serveur" in bare
    assert_portal_layout(bare, language="fr")
    assert response.status_code == 500
    assert 'href="/"' in response.content.decode()
