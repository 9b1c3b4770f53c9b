"""The review queue and the claim desk, through HTTP as an agent uses them."""
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from amo_portal.money import format_dh
from claims.models import ClaimStatus
from claims.services.review import reject_line
from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.claims import act, with_document

pytestmark = pytest.mark.django_db
D = Decimal
QUEUE = reverse("admin:claims_claim_changelist")


def desk(claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def decide(claim, action: str) -> str:
    return reverse("admin:claims_claim_decide", args=[claim.pk, action])


def test_queue_lists_claims_to_control_oldest_filing_first(login, agent, insured):
    # given
    today = timezone.localdate()
    recent = claim_in_control(insured=insured, care_date=today - timedelta(days=3), filed_on=today - timedelta(days=2))
    old = claim_in_control(insured=insured, care_date=today - timedelta(days=56), filed_on=today - timedelta(days=55),
                           lines=[act("C", "80.00")])
    # when
    response = login(agent).get(QUEUE)
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(old.number) < page.index(recent.number)
    assert 'amo-urgent' in page
    assert "5 j" in page
    assert format_dh(recent.reimbursed) in page


def test_queue_hides_liquidated_claims_unless_asked(login, agent, insured):
    # given
    liquidated = claim_in_control(insured=insured, documents=with_document(3), lines=[act("C", "80.00")])
    assert liquidated.status == ClaimStatus.LIQUIDATED
    client = login(agent)
    # when / then
    assert liquidated.number not in client.get(QUEUE).content.decode()
    assert liquidated.number in client.get(QUEUE, {"statut": "liquide"}).content.decode()
    assert liquidated.number in client.get(QUEUE, {"statut": "tous"}).content.decode()


@pytest.mark.parametrize("field", ["number", "registration_number", "cnie", "name", "dependent"])
def test_search_finds_a_claim_by_number_registration_cnie_or_name(login, agent, insured, field):
    # given
    child = DependentFactory(insured=insured, first_name="Ilyas", cnie="")
    mine = claim_in_control(insured=insured, dependent=child if field == "dependent" else None)
    other = claim_in_control(insured=InsuredFactory(last_name="Bouzid", first_name="Omar"))
    terms = {"number": mine.number.lower(), "registration_number": insured.registration_number, "cnie": insured.cnie,
             "name": f"{insured.last_name[:5]} kar", "dependent": "ilya"}
    # when
    page = login(agent).get(QUEUE, {"q": terms[field], "statut": "tous"}).content.decode()
    # then
    assert mine.number in page
    assert other.number not in page


@pytest.mark.parametrize(("params", "shown"), [
    ({"motif": "controle:sans_piece"}, True),
    ({"motif": "controle:seuil"}, False),
    ({"pieces": "aucune"}, True),
    ({"pieces": "jointes"}, False),
    ({"remboursement": "moins_500"}, True),
    ({"remboursement": "5000_plus"}, False),
    ({"is_ald__exact": "0"}, True),
    ({"is_ald__exact": "1"}, False),
    ({"care_date__gte": "2026-02-01", "care_date__lt": "2026-02-03"}, True),
    ({"care_date__gte": "2026-03-01"}, False),
])
def test_queue_filters(login, agent, claim, params, shown):
    page = login(agent).get(QUEUE, params).content.decode()
    assert (claim.number in page) is shown


def test_queue_never_counts_and_its_queries_do_not_grow_with_the_page(login, agent, insured):
    # given
    client = login(agent)
    for day in range(1, 4):
        claim_in_control(insured=insured, care_date=date(2026, 2, day), lines=[act("C", "80.00")])
    client.get(QUEUE)  # warm the session and permission caches
    # when
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for day in range(4, 26):
        claim_in_control(insured=insured, care_date=date(2026, 2, day), lines=[act("C", "80.00")])
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)
    # then
    assert response.context["cl"].result_count == 25
    assert len(many) == len(few)
    assert not [q for q in many.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_long_queue_says_more_than_instead_of_counting(login, agent, insured, monkeypatch):
    # given: three pages of two claims
    from django.contrib import admin

    from claims.models import Claim

    monkeypatch.setattr(admin.site._registry[Claim], "list_per_page", 2)
    for day in range(1, 6):
        claim_in_control(insured=insured, care_date=date(2026, 2, day), lines=[act("C", "80.00")])
    client = login(agent)
    # when
    first = client.get(QUEUE).content.decode()
    last = client.get(QUEUE, {"p": "3"}).content.decode()
    # then
    assert "plus de 2 dossiers" in first
    assert "5 dossiers" in last


def test_desk_shows_rights_lines_documents_and_history(login, agent, insured):
    # given
    claim = claim_in_control(insured=insured, lines=[act("Cs", "250.00"), act("XYZ 3", "30.00")],
                             documents=with_document(11))
    # when
    response = login(agent).get(desk(claim))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Droits ouverts." in page
    assert "Cs" in page
    assert "Cotation inconnue" in page
    assert format_dh(claim.total_paid) in page
    assert format_dh(claim.reimbursed) in page
    assert reverse("claims:document", args=[claim.documents.get().pk]) in page
    assert "<img" in page
    assert "création → déposé" in page
    assert "déposé → en contrôle" in page
    for label in ("Accepter", "Ajuster une ligne", "Rejeter", "Demander des pièces"):
        assert f">{label}</summary>" in page


def test_desk_lists_earlier_claims_and_possible_duplicates(login, agent, insured):
    # given
    first = claim_in_control(insured=insured, documents=with_document(5), lines=[act("C", "80.00")])
    second = claim_in_control(insured=insured, care_date=first.care_date, lines=[act("Cs", "200.00")])
    # when
    page = login(agent).get(desk(second)).content.decode()
    # then
    earlier = page[page.index('id="earlier"'):page.index('id="duplicates"')]
    duplicates = page[page.index('id="duplicates"'):page.index('id="history"')]
    assert first.number in earlier
    assert first.number in duplicates
    assert "même date de soins" in duplicates


def test_desk_query_count_does_not_grow_with_lines_and_documents(login, agent, insured):
    client = login(agent)
    small = claim_in_control(insured=insured, lines=[act("C", "80.00")], documents=with_document(20))
    big = claim_in_control(insured=insured, care_date=date(2026, 2, 5),
                           lines=[act("C", "80.00"), act("B 60", "66.00"), act("Cs", "250.00"), act("Z 10", "100.00"),
                                  act("B 120", "132.00")], documents=with_document(21) + with_document(22))
    client.get(desk(small))
    with CaptureQueriesContext(connection) as one_line:
        client.get(desk(small))
    with CaptureQueriesContext(connection) as five_lines:
        client.get(desk(big))
    assert len(five_lines) == len(one_line)


def test_adjusting_a_line_from_the_desk_shows_the_new_shares(login, agent, claim):
    # given
    line = claim.lines.get(position=1)
    client = login(agent)
    # when
    response = client.post(decide(claim, "ajuster"), {
        "ajuster-version": claim.version, "ajuster-line": line.pk, "ajuster-amount_paid": "120,00",
        "ajuster-cotation": "", "ajuster-reason": "Montant lu sur la feuille : 120 DH."}, follow=True)
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "ajustée et dossier reliquidé" in page
    line.refresh_from_db()
    assert line.amount_paid == D("120.00")
    assert line.amo_amount == D("96.00")
    assert format_dh(line.amo_amount) in page
    assert "Ajustement d&#x27;une ligne (ligne n° 1)" in page or "Ajustement d'une ligne (ligne n° 1)" in page


def test_accepting_from_the_desk_liquidates(login, agent, claim):
    response = login(agent).post(decide(claim, "accepter"), {"accepter-version": claim.version}, follow=True)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    assert "accepté et liquidé" in response.content.decode()


def test_second_save_on_a_changed_claim_is_refused_and_keeps_the_input(login, agent, claim):
    # given: the agent opened the claim; meanwhile a colleague rejected a line
    shown = claim.version
    from tests.factories.mutuelles import StaffFactory

    reject_line(line=claim.lines.get(position=2), version=shown, by=StaffFactory(mutuelle=agent.mutuelle),
                reason_code="acte_non_justifie")
    # when: the agent's adjustment, built on the old version, arrives
    response = login(agent).post(decide(claim, "ajuster"), {
        "ajuster-version": shown, "ajuster-line": claim.lines.get(position=1).pk, "ajuster-amount_paid": "100,00",
        "ajuster-reason": "Montant corrigé d'après la facture."})
    # then
    page = response.content.decode()
    assert response.status_code == 409
    assert "modifié par quelqu&#x27;un d&#x27;autre" in page or "modifié par quelqu'un d'autre" in page
    assert "Montant corrigé d" in page
    assert 'value="100,00"' in page
    claim.refresh_from_db()
    assert claim.lines.get(position=1).amount_paid == D("250.00")
    assert f'name="ajuster-version" value="{claim.version}"' in page


def test_rejecting_the_claim_needs_a_reason_from_the_list(login, agent, claim):
    client = login(agent)
    refused = client.post(decide(claim, "rejeter"), {"rejeter-version": claim.version, "rejeter-reason_code": "xx"})
    assert refused.status_code == 200
    assert "Sélectionnez un choix valide" in refused.content.decode()
    done = client.post(decide(claim, "rejeter"), {"rejeter-version": claim.version,
                                                  "rejeter-reason_code": "ordonnance_manquante"})
    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.rejection_code == "ordonnance_manquante"


def test_request_documents_from_the_desk(login, agent, claim):
    response = login(agent).post(decide(claim, "pieces"), {
        "pieces-version": claim.version, "pieces-documents": ["Ordonnance signée et cachetée, avec posologie et "
                                                              "durée du traitement"],
        "pieces-details": "Facture du laboratoire."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DOCUMENTS_REQUESTED
    assert "Facture du laboratoire." in claim.document_requests.get().missing


def test_bulk_accept_from_the_queue_uses_the_versions_shown(login, agent, insured, mgpap):
    # given: two claims with their documents, in control for their amount (manual-control threshold)
    mgpap.review_threshold = D("1.00")
    mgpap.save(update_fields=["review_threshold"])
    first = claim_in_control(insured=insured, documents=with_document(41))
    second = claim_in_control(insured=insured, care_date=date(2026, 2, 9), lines=[act("C", "80.00")],
                              documents=with_document(42))
    # when
    response = login(agent).post(QUEUE, {
        "action": "accept_selected", "_selected_action": [first.pk, second.pk], "index": 0,
        f"version_{first.pk}": first.version, f"version_{second.pk}": second.version - 1}, follow=True)
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ClaimStatus.LIQUIDATED
    assert second.status == ClaimStatus.IN_CONTROL
    page = response.content.decode()
    assert "1 dossier(s) accepté(s)" in page
    assert f"{second.number} non accepté" in page


def test_csv_export_holds_the_selection_in_french_format(login, agent, claim):
    response = login(agent).post(QUEUE, {"action": "export_csv", "_selected_action": [claim.pk], "index": 0})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert claim.number in body
    assert "316,00" in body


def test_history_page_lists_status_changes_and_decisions(login, agent, claim):
    client = login(agent)
    client.post(decide(claim, "accepter"), {"accepter-version": claim.version, "accepter-comment": "Vu."})
    page = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
    assert "en contrôle → liquidé" in page
    assert "Acceptation" in page
    assert "Vu." in page


def pdf_document():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from amo_portal.documents import check_document

    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), color=(255, 255, 255)).save(buffer, format="PDF")
    return check_document(SimpleUploadedFile("ordonnance.pdf", buffer.getvalue(), content_type="application/pdf"))


def test_pdf_is_offered_as_a_download_and_images_shown_in_a_sandbox(login, agent, insured):
    # given
    claim = claim_in_control(insured=insured, documents=[("ordonnance", pdf_document())] + with_document(31))
    pdf = claim.documents.get(content_type="application/pdf")
    image = claim.documents.get(content_type="image/png")
    client = login(agent)
    # when
    page = client.get(desk(claim)).content.decode()
    pdf_response = client.get(reverse("claims:document", args=[pdf.pk]))
    image_response = client.get(reverse("claims:document", args=[image.pk]))
    # then: a PDF may carry scripts: never a frame, never inline
    assert "<iframe" not in page
    assert f'<a class="amo-doc-pdf" href="{reverse("claims:document", args=[pdf.pk])}" download>' in page
    assert pdf_response["Content-Type"] == "application/pdf"
    assert pdf_response["Content-Disposition"].startswith("attachment;")
    assert pdf_response["X-Content-Type-Options"] == "nosniff"
    assert f'<img class="amo-doc-image" src="{reverse("claims:document", args=[image.pk])}"' in page
    assert image_response["Content-Disposition"].startswith("inline;")
    assert image_response["Content-Security-Policy"].startswith("sandbox;")


def test_home_page_shows_the_agents_queue_and_last_decisions(login, agent, claim):
    client = login(agent)
    client.post(decide(claim, "pieces"), {"pieces-version": claim.version, "pieces-details": "Facture."})
    page = client.get(reverse("admin:index")).content.decode()
    assert "Ma file de contrôle" in page
    assert "en attente de pièces" in page
    assert claim.number in page  # in "Mes dernières décisions"


def test_desk_links_to_the_next_claim_of_the_queue(login, agent, insured):
    # given: two claims filed the same day, and an older one
    today = timezone.localdate()
    older = claim_in_control(insured=insured, care_date=today - timedelta(days=20), filed_on=today - timedelta(days=9),
                             lines=[act("C", "80.00")])
    first = claim_in_control(insured=insured, care_date=today - timedelta(days=6), filed_on=today - timedelta(days=5))
    second = claim_in_control(insured=insured, care_date=today - timedelta(days=7), filed_on=today - timedelta(days=5),
                              lines=[act("Cs", "150.00")])
    client = login(agent)
    # when / then
    assert f"Dossier suivant de la file ({first.number})" in client.get(desk(older)).content.decode()
    assert f"Dossier suivant de la file ({second.number})" in client.get(desk(first)).content.decode()
    assert "Dossier suivant de la file" not in client.get(desk(second)).content.decode()


def test_four_eyes_from_the_desk(login, agent, supervisor, claim, mgpap):
    # given: a threshold under this claim's reimbursement, and the agent's first approval
    mgpap.four_eyes_threshold = D("100.00")
    mgpap.save(update_fields=["four_eyes_threshold"])
    login(agent).post(decide(claim, "accepter"), {"accepter-version": claim.version})
    claim.refresh_from_db()
    assert claim.needs_second_approval
    # when: the superviseur finds it in "à confirmer" and confirms it
    client = login(supervisor)
    queue = client.get(QUEUE, {"statut": "double_controle"}).content.decode()
    page = client.get(desk(claim)).content.decode()
    response = client.post(decide(claim, "confirmer"), {"confirmer-version": claim.version}, follow=True)
    # then
    assert claim.number in queue
    assert "Confirmer (double contrôle)" in page
    assert "Double contrôle confirmé" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED


def test_csv_export_quotes_a_name_a_spreadsheet_would_run_as_a_formula(login, agent, mgpap):
    # given a claim of an insured person whose name starts a formula
    claim = claim_in_control(insured=InsuredFactory(mutuelle=mgpap, first_name="=HYPERLINK(\"http://x.invalid\")",
                                                    last_name="Alaoui"))
    # when
    response = login(agent).post(QUEUE, {"action": "export_csv", "_selected_action": [claim.pk], "index": 0})
    # then
    row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff")),
                          delimiter=";"))[1]
    assert row[3] == "'=HYPERLINK(\"http://x.invalid\") Alaoui"
    assert row[8] == "316,00"
