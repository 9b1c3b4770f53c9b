"""In Chromium at 360 px, in French and in Arabic: an insured person declares a birth from the family page
with a photo of the birth certificate; an agent of their mutuelle, signed in with the second factor, opens
the request from the admin's queue, sees the certificate and accepts it; the person then sees the
declaration accepted from today, chooses the new child on the claim form and files a claim for it, which
the controls liquidate."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Dependent
from beneficiaries.models_family import FamilyChangeRequest, FamilyChangeStatus
from claims.models import Claim, ClaimStatus
from tests.browser import journeys
from tests.browser.journeys import LANGUAGES, jpeg, open_portal, phone, photo, sign_in_staff
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, words = journeys.chromium, journeys.words
#: The width of an image once loaded (-1 if it fails to load).
LOADED_WIDTH = """image => image.complete && image.naturalWidth ? image.naturalWidth : new Promise(done => {
    image.addEventListener("load", () => done(image.naturalWidth));
    image.addEventListener("error", () => done(-1));
})"""


def declare_the_birth(page, live_server, words) -> FamilyChangeRequest:
    page.get_by_role("navigation").get_by_role("link", name=words("Ma famille")).click()
    page.get_by_role("link", name=words("Déclarer un changement")).click()
    page.get_by_role("link", name=words("Naissance")).click()
    assert page.locator("h1").inner_text() == words("Déclarer : %(kind_label)s") % {"kind_label": words("Naissance")}
    page.fill("#id_last_name", "Alaoui")
    page.fill("#id_first_name", "Lina")
    page.fill("#id_first_name_ar", "لينا")
    page.fill("#id_birth_date", (timezone.localdate() - timedelta(days=6)).isoformat())
    page.select_option("#id_sex", "F")
    page.set_input_files("#id_document", files=[jpeg("acte-de-naissance.jpg", photo((236, 232, 220)))])
    journeys.assert_fits_the_phone(page)
    page.get_by_role("button", name=words("Envoyer la déclaration")).click()
    page.wait_for_url("**/espace/famille/declarations/*/")
    assert page.locator("#change-status").inner_text() == words("en attente")
    journeys.assert_fits_the_phone(page)
    return FamilyChangeRequest.objects.get()


def the_agent_accepts(page, live_server, agent, change) -> None:
    sign_in_staff(page, live_server, agent)
    page.goto(f"{live_server.url}{reverse('admin:beneficiaries_familychangerequest_changelist')}")
    page.get_by_role("link", name=change.number).click()
    assert page.locator("#acceptance-ready").is_visible()
    certificate = page.get_by_role("img", name="acte de naissance : acte-de-naissance.jpg")
    assert certificate.is_visible()
    assert certificate.evaluate(LOADED_WIDTH) == 480  # the photo itself, served to the agent
    page.get_by_role("button", name=f"Accepter — effet au {timezone.localdate():%d/%m/%Y}").click()
    page.wait_for_selector(".messagelist .success")
    assert page.locator("#change-status").inner_text() == "acceptée"


def file_a_claim_for(page, live_server, child, words) -> None:
    page.get_by_role("navigation").get_by_role("link", name=words("Déposer un dossier")).click()
    page.select_option("#id_beneficiary", str(child.pk))
    page.fill("#id_care_date", timezone.localdate().isoformat())
    page.fill("#id_prescriber_inpe", "101234567")
    page.fill("#id_lignes-0-cotation", "C")
    page.fill("#id_lignes-0-amount_paid", "80")
    page.set_input_files("#id_care_sheet_files", files=[jpeg("feuille-de-soins.jpg", photo((220, 230, 240)))])
    page.click("button[value=simuler]")
    page.locator("button[value=envoyer]").first.click()
    page.wait_for_url("**/recepisse/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_birth_declared_online_is_accepted_by_the_agent_and_the_child_is_on_the_claim_form(
        live_server, chromium, mgpap, language, words):
    import claims.tasks  # noqa: F401 - registered as a worker registers them (the web process does not import them)
    from claims.services.processing import liquidate_pending_claims
    from mutuelles.services import system_user

    # given: an insured person of the MGPAP with an online account, an agent of the MGPAP
    person = InsuredFactory(mutuelle=mgpap, last_name="Alaoui", first_name="Karim",
                            user=StaffFactory(role="assure", mutuelle=None, username=f"karim.naissance.{language}"))
    agent = StaffFactory(role="agent", mutuelle=mgpap, username=f"agent.famille.{language}")
    mine, desk = phone(chromium), phone(chromium)
    open_portal(mine, live_server, person.user.username, language)

    # when: the person declares the birth with the certificate
    change = declare_the_birth(mine, live_server, words)
    # then: pending, with its certificate, nothing in the registry yet
    assert (change.kind, change.first_name_ar, change.documents.get().kind) == ("naissance", "لينا", "acte_naissance")
    assert not Dependent.objects.filter(insured=person).exists()

    # when: the agent of the MGPAP accepts it from the queue, having seen the certificate
    the_agent_accepts(desk, live_server, agent, change)
    # then: the person reads it accepted from today
    mine.reload()
    journeys.assert_language(mine, language)
    assert mine.locator("#change-status").inner_text() == words("acceptée")
    child = Dependent.objects.get(insured=person)
    assert (child.first_name, child.registered_on) == ("Lina", timezone.localdate())
    change.refresh_from_db()
    assert change.status == FamilyChangeStatus.ACCEPTED and change.new_dependent == child

    # when: she files a claim for the child
    file_a_claim_for(mine, live_server, child, words)
    liquidate_pending_claims(by=system_user())  # what the worker does (nothing left if it already did)
    # then: filed for the child, through the controls
    claim = Claim.objects.get(insured=person)
    assert claim.dependent == child and claim.status == ClaimStatus.LIQUIDATED
    journeys.assert_fits_the_phone(mine)
