"""In Chromium at 360 px, in French and in Arabic: a prescription covers several months of care. The
person filed a claim last month with the prescription; this month, for another care date, the
claim is filed with the very same prescription file, and once liquidated it is not rejected for
the reused document (only the same care, or the same care sheet, is a duplicate)."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from amo_portal.documents import check_document
from claims.models import Claim, ClaimStatus, DocumentKind
from claims.services.checks import ClaimReason
from claims.tasks import liquidate_claim_task
from tests.browser import journeys
from tests.browser.journeys import LANGUAGES, jpeg, open_portal, phone, photo
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim
from tests.factories.mutuelles import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
chromium, words = journeys.chromium, journeys.words

PRESCRIPTION = photo((250, 250, 245))  # the one paper the doctor wrote, photographed once


def scanned(name: str, content: bytes):
    return check_document(SimpleUploadedFile(name, content, content_type="image/jpeg"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_same_prescription_filed_again_the_next_month_is_accepted(live_server, chromium, mgpap, language, words):
    # given: last month's claim, with its care sheet and the prescription, liquidated
    today = timezone.localdate()
    person = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None,
                                                              username=f"leila.ordonnance.{language}"))
    first = file_claim(insured=person, lines=[act("Cs", "200.00")], care_date=today - timedelta(days=35),
                       filed_on=today - timedelta(days=33),
                       documents=[(DocumentKind.CARE_SHEET, scanned("feuille-1.jpg", photo((236, 240, 231)))),
                                  (DocumentKind.PRESCRIPTION, scanned("ordonnance.jpg", PRESCRIPTION))])
    liquidate_claim_task.apply(args=(first.pk,))
    first.refresh_from_db()
    assert first.status == ClaimStatus.LIQUIDATED, first.rejection_message
    page = phone(chromium)
    open_portal(page, live_server, person.user.username, language)

    # when: this month's care (32 days later: another month) is filed with a new care sheet and the same prescription
    page.get_by_role("link", name=words("Déposer un dossier")).first.click()
    page.wait_for_url("**/espace/dossiers/nouveau/")
    page.fill("#id_care_date", (today - timedelta(days=3)).isoformat())
    page.fill("#id_prescriber_inpe", "101234567")
    page.fill("#id_lignes-0-cotation", "Cs")
    page.fill("#id_lignes-0-amount_paid", "200")
    page.set_input_files("#id_care_sheet_files", files=[jpeg("feuille-2.jpg", photo((231, 236, 240)))])
    page.set_input_files("#id_prescription_files", files=[jpeg("ordonnance.jpg", PRESCRIPTION)])
    page.click("button[value=simuler]")
    assert "120,00" in page.locator("#estimation-card").inner_text()  # AMO: 80 % of the Cs at 150 DH
    page.locator("button[value=envoyer]").first.click()
    page.wait_for_url("**/recepisse/")
    second = Claim.objects.get(insured=person, care_date=today - timedelta(days=3))
    assert second.documents.filter(kind=DocumentKind.PRESCRIPTION).get().sha256 == \
        first.documents.filter(kind=DocumentKind.PRESCRIPTION).get().sha256
    liquidate_claim_task.apply(args=(second.pk,))  # the controls and the liquidation, as the worker runs them

    # then: liquidated, not rejected as a duplicate of last month's claim
    second.refresh_from_db()
    assert second.rejection_code != ClaimReason.DUPLICATE_DOCUMENT, second.rejection_message
    assert second.status == ClaimStatus.LIQUIDATED, (second.status, second.rejection_message)
    page.goto(f"{live_server.url}{reverse('portal:claim_detail', args=[second.pk])}")
    journeys.assert_language(page, language)
    assert page.locator("p .badge").inner_text() == words.label(ClaimStatus.LIQUIDATED.label)
    assert words("Remboursement") in page.locator("#resume").locator("..").inner_text()
    journeys.assert_fits_the_phone(page)
