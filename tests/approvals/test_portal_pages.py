"""The insured person's accord pages: the list, a request with its pieces, the detail with its history;
strictly their own family's accords; the pieces served to the mutuelle's staff only; an e-mail per
decision, after commit, in the language the request was made in."""
import io
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from approvals.models import Accord, AccordDocument, AccordKind, AccordStatus, ALDDeclination
from approvals.services.review import ask_for_documents, grant_accord, refuse_accord, request_accord
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db


def scan(name: str = "rapport.png", color=(200, 210, 220)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), color=color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def person(mgpap):
    insured = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None, username="nadia.acc"))
    DependentFactory(insured=insured, first_name="Yasmine", birth_date=date(2016, 3, 1))
    return insured


@pytest.fixture
def other(mgpap):
    return InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None, username="omar.acc"))


def etm_request(insured, *, dependent=None, language="fr"):
    return request_accord(insured=insured, dependent=dependent, kind=AccordKind.ETM, by=None, language=language,
                          declination=ALDDeclination.objects.get(code="H011"))


def test_a_person_requests_an_etm_for_a_dependant_with_the_medical_report(login, person):
    # given
    client = login(person.user)
    child = person.dependents.get()
    # when
    response = client.post(reverse("approvals:accord_new"), {
        "beneficiary": str(child.pk), "kind": "etm", "declination": "H011", "medical_report": scan(),
        "note": "Diabète depuis 2024."})
    # then
    accord = Accord.objects.get(insured=person)
    assert response.status_code == 302 and response["Location"] == reverse("approvals:accord_detail",
                                                                            args=[accord.pk])
    assert (accord.status, accord.dependent, accord.declination.code, accord.language) == (
        AccordStatus.REQUESTED, child, "H011", "fr")
    document = AccordDocument.objects.get(accord=accord)
    assert document.kind == "rapport" and document.content_type == "image/png" and len(document.sha256) == 64
    assert document.file.name == f"accords/{accord.pk}/{document.sha256}.png"
    page = client.get(reverse("approvals:accord_list")).content.decode()
    assert "H011" in page and "demandé" in page and "Yasmine" in page


def test_an_etm_request_without_the_medical_report_is_refused(login, person):
    # given
    client = login(person.user)
    # when
    response = client.post(reverse("approvals:accord_new"), {"beneficiary": "0", "kind": "etm",
                                                             "declination": "H011"})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["medical_report"] == ["Joignez le rapport médical."]
    assert not Accord.objects.filter(insured=person).exists()


def test_a_file_that_is_not_a_document_is_refused(login, person):
    # given
    client = login(person.user)
    fake = SimpleUploadedFile("devis.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    # when
    response = client.post(reverse("approvals:accord_new"), {
        "beneficiary": "0", "kind": "entente", "acts": "amk", "quantity": "10", "prescription": scan(),
        "quote": fake})
    # then
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "« devis.pdf » n'est ni un PDF, ni une image JPEG ou PNG."]
    assert not Accord.objects.filter(insured=person).exists()


def test_another_persons_accord_is_a_404(login, person, other):
    # given
    theirs = etm_request(other)
    mine = etm_request(person, dependent=person.dependents.get())
    client = login(person.user)
    # when
    response = client.get(reverse("approvals:accord_detail", args=[theirs.pk]))
    # then
    assert response.status_code == 404
    assert client.get(reverse("approvals:accord_detail", args=[mine.pk])).status_code == 200
    assert str(theirs.pk) not in [str(r["accord"].pk) for r in client.get(
        reverse("approvals:accord_list")).context["rows"]]


def test_the_detail_page_shows_the_history_of_the_decisions(login, person):
    # given
    accord = etm_request(person)
    ask_for_documents(accord=accord, by=None, reason="Bilan HbA1c de moins de 3 mois.")
    grant_accord(accord=accord, by=None, number="ETM-77", valid_from=date(2026, 1, 1))
    # when
    response = login(person.user).get(reverse("approvals:accord_detail", args=[accord.pk]))
    # then
    page = response.content.decode()
    assert [step["label"] for step in response.context["history"]] == ["demandé", "à l'étude", "accordé"]
    assert "Bilan HbA1c" in page and "ETM-77" in page and "du 01/01/2026 au 31/12/2030" in page


def test_the_pieces_are_served_to_the_mutuelles_staff_only_as_downloads(login, client, person, mgen):
    # given
    upload = login(person.user).post(reverse("approvals:accord_new"), {
        "beneficiary": "0", "kind": "etm", "declination": "H011", "medical_report": scan()})
    assert upload.status_code == 302
    document = AccordDocument.objects.get(accord__insured=person)
    url = reverse("approvals:document", args=[document.pk])
    # when: the person who sent it asks for it
    mine = client.get(url)
    # then
    assert mine.status_code == 404
    # when: a médecin of the mutuelle, then an agent of another mutuelle
    client.logout()
    doctor = login(StaffFactory(role="medecin", mutuelle=person.mutuelle)).get(url)
    client.logout()
    elsewhere = login(StaffFactory(role="agent", mutuelle=mgen)).get(url)
    # then
    assert doctor.status_code == 200 and doctor["Content-Disposition"].startswith("attachment;")
    assert doctor["X-Content-Type-Options"] == "nosniff" and "no-store" in doctor["Cache-Control"]
    assert elsewhere.status_code == 404


@pytest.mark.parametrize(("language", "label"), [("ar", "السبب:"), ("fr", "Motif :")])
def test_a_decision_is_mailed_after_commit_in_the_language_of_the_request(person, language, label,
                                                                           django_capture_on_commit_callbacks):
    # given: a request made while the portal was in `language`
    accord = etm_request(person, language=language)
    # when
    with django_capture_on_commit_callbacks(execute=False) as pending:
        refuse_accord(accord=accord, by=None, code="PIECES")
    # then: nothing before the commit, the e-mail after it
    assert mail.outbox == []
    for callback in pending:
        callback()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email]
    assert label in mail.outbox[0].body and f"/espace/accords/{accord.pk}/" in mail.outbox[0].body


def test_a_grant_is_mailed_with_the_number_and_the_validity(person, django_capture_on_commit_callbacks):
    # given
    accord = etm_request(person)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        grant_accord(accord=accord, by=None, number="ETM-5", valid_from=date(2026, 1, 1), lifetime=True)
    # then
    assert mail.outbox[0].subject == "Accord n°ETM-5 donné"
    assert "valable à vie depuis le 01/01/2026" in mail.outbox[0].body
