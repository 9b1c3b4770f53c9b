"""Drafts of a claim being typed online: kept through a validation error and the end of a session,
resumed after signing in again, consumed by the filing, removed when old, seen only by their owner."""
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from claims.models import Claim
from portal.models import ClaimDraft, ClaimDraftFile
from portal.services.drafts import kept_fields
from portal.tasks import remove_old_claim_drafts_task
from tests.factories.mutuelles import PASSWORD
from tests.portal.test_pages import claim_form, photo

pytestmark = pytest.mark.django_db

NEW = "/espace/dossiers/nouveau/"
AUTOSAVE = "/espace/dossiers/brouillon/"


def draft_of(insured) -> ClaimDraft:
    return ClaimDraft.objects.get(user=insured.user)


def stored(draft: ClaimDraft) -> list[str]:
    return [row.file.name for row in draft.files.all() if default_storage.exists(row.file.name)]


def test_a_validation_error_keeps_the_lines_and_the_files_in_the_draft(member_client, member):
    # when: the prescriber's INPE is missing
    response = member_client.post(NEW, {**claim_form(prescriber_inpe=""), "care_sheet_files": [photo(11, "fs.jpg")]})
    # then
    assert response.status_code == 400
    draft = draft_of(member)
    assert draft.fields["lignes-0-cotation"] == "Cs"
    assert draft.fields["lignes-1-medicine_code"] == "6118000000002"
    assert [(row.kind, row.original_name) for row in draft.files.all()] == [("feuille_soins", "fs.jpg")]
    assert len(stored(draft)) == 1
    page = response.content.decode()
    assert "fs.jpg" in page
    assert "Pièces déjà jointes (conservées)" in page
    # and the page opened again is filled from the draft, the file listed as attached
    resumed = member_client.get(NEW).content.decode()
    assert "Reprendre le brouillon" in resumed
    assert 'value="Cs"' in resumed
    assert 'value="6118000000002"' in resumed
    assert "fs.jpg" in resumed


def test_after_the_session_ended_signing_in_again_finds_the_draft(client, member):
    # given: typed and autosaved, then the session ends
    assert client.post("/connexion/", {"username": member.user.username, "password": PASSWORD}).status_code == 302
    typed = {**claim_form(prescriber_inpe="777888999"), "prescription_files": [photo(12, "o.jpg")]}
    saved = client.post(AUTOSAVE, typed, HTTP_ACCEPT="application/json")
    assert saved.status_code == 200
    assert [f["name"] for f in saved.json()["files"]] == ["o.jpg"]
    Session.objects.all().delete()
    # when: the form is sent, the person is asked to sign in, then signs in
    sent = client.post(NEW, claim_form(action="envoyer"))
    assert sent.status_code == 302
    assert sent["Location"].startswith("/connexion/?next=/espace/dossiers/nouveau/")
    assert client.post("/connexion/", {"username": member.user.username, "password": PASSWORD}).status_code == 302
    # then
    home = client.get("/espace/").content.decode()
    assert "Reprendre le brouillon" in home
    page = client.get(NEW).content.decode()
    assert 'value="777888999"' in page
    assert 'value="Cs"' in page
    assert "o.jpg" in page
    assert not Claim.objects.filter(insured=member).exists()


def test_filing_takes_the_draft_documents_and_deletes_the_draft(member_client, member,
                                                               django_capture_on_commit_callbacks):
    # given: a document autosaved, then the claim previewed without sending any file again
    member_client.post(AUTOSAVE, {**claim_form(), "care_sheet_files": [photo(13, "fs.jpg")]})
    draft = draft_of(member)
    sha256, names = draft.files.get().sha256, stored(draft)
    preview = member_client.post(NEW, claim_form())
    assert preview.status_code == 200
    print_ = preview.context["form"]["preview_print"].value()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sent = member_client.post(NEW, {**claim_form(action="envoyer"), "preview_print": print_})
    # then
    claim = Claim.objects.get(insured=member)
    assert sent.status_code == 302
    assert list(claim.documents.values_list("sha256", "original_name")) == [(sha256, "fs.jpg")]
    assert not ClaimDraft.objects.filter(user=member.user).exists()
    assert not ClaimDraftFile.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert "Reprendre le brouillon" not in member_client.get("/espace/").content.decode()


def test_a_document_is_taken_off_the_draft(member_client, member, django_capture_on_commit_callbacks):
    # given
    member_client.post(AUTOSAVE, {**claim_form(), "other_files": [photo(14, "a.jpg"), photo(15, "b.jpg")]})
    first, second = draft_of(member).files.all()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/espace/dossiers/brouillon/pieces/{first.pk}/retirer/")
    # then
    assert response.status_code == 302
    assert list(draft_of(member).files.values_list("original_name", flat=True)) == ["b.jpg"]
    assert not default_storage.exists(first.file.name)
    assert default_storage.exists(second.file.name)


def test_a_refused_document_is_named_and_the_rest_is_kept(member_client, member):
    # when
    response = member_client.post(AUTOSAVE, {**claim_form(), "other_files": [photo(16, "ok.jpg")],
                                             "care_sheet_files": [SimpleUploadedFile("faux.pdf", b"pas un pdf",
                                                                                     content_type="application/pdf")]})
    # then
    assert response.status_code == 400
    assert "« faux.pdf » n'est ni un PDF, ni une image JPEG ou PNG." in response.json()["errors"]
    assert list(draft_of(member).files.values_list("original_name", flat=True)) == ["ok.jpg"]


def test_old_drafts_are_removed_with_their_files_and_young_ones_kept(member_client, member, stranger, settings,
                                                                    django_capture_on_commit_callbacks):
    # given: the member's draft 31 days old, the stranger's 29 days old
    settings.CLAIM_DRAFT_MAX_AGE_DAYS = 30
    member_client.post(AUTOSAVE, {**claim_form(), "other_files": [photo(17)]})
    other = Client()
    other.force_login(stranger.user)
    other.post(AUTOSAVE, {**claim_form(), "other_files": [photo(18)]})
    old_names, young_names = stored(draft_of(member)), stored(draft_of(stranger))
    now = timezone.now()
    ClaimDraft.objects.filter(user=member.user).update(updated_at=now - timedelta(days=31))
    ClaimDraft.objects.filter(user=stranger.user).update(updated_at=now - timedelta(days=29))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        removed = remove_old_claim_drafts_task()
    # then
    assert removed == 1
    assert not ClaimDraft.objects.filter(user=member.user).exists()
    assert not any(default_storage.exists(name) for name in old_names)
    assert ClaimDraft.objects.filter(user=stranger.user).exists()
    assert all(default_storage.exists(name) for name in young_names)


def test_another_person_neither_sees_nor_resumes_nor_changes_the_draft(member_client, member, stranger):
    # given
    member_client.post(AUTOSAVE, {**claim_form(prescriber_inpe="424242424"), "other_files": [photo(19, "x.jpg")]})
    mine = draft_of(member).files.get()
    other = Client()
    other.force_login(stranger.user)
    # when
    home = other.get("/espace/").content.decode()
    page = other.get(NEW).content.decode()
    removal = other.post(f"/espace/dossiers/brouillon/pieces/{mine.pk}/retirer/")
    other.post(AUTOSAVE, claim_form(prescriber_inpe="555555555"))
    # then
    assert "Reprendre le brouillon" not in home
    assert "424242424" not in page
    assert "x.jpg" not in page
    assert removal.status_code == 404
    assert draft_of(member).fields["prescriber_inpe"] == "424242424"
    assert draft_of(member).files.count() == 1
    assert draft_of(stranger).fields["prescriber_inpe"] == "555555555"
    assert draft_of(stranger).files.count() == 0


def test_one_draft_per_person_the_latest(member_client, member):
    # when
    member_client.post(AUTOSAVE, claim_form(prescriber_inpe="111111111"))
    member_client.post(AUTOSAVE, claim_form(prescriber_inpe="222222222"))
    # then
    assert ClaimDraft.objects.filter(user=member.user).count() == 1
    assert draft_of(member).fields["prescriber_inpe"] == "222222222"


def test_giving_up_the_draft_deletes_it(member_client, member):
    # given
    member_client.post(AUTOSAVE, claim_form())
    # when
    response = member_client.post("/espace/dossiers/brouillon/supprimer/")
    # then
    assert response.status_code == 302
    assert not ClaimDraft.objects.filter(user=member.user).exists()


def test_autosave_needs_a_signed_in_person(client, member):
    # when
    response = client.post(AUTOSAVE, claim_form())
    # then
    assert response.status_code == 302
    assert not ClaimDraft.objects.exists()


def test_a_draft_keeps_only_the_form_fields():
    # when
    kept = kept_fields({"prescriber_inpe": "1" * 500, "lignes-3-cotation": "B 60", "lignes-99-cotation": "Cs",
                        "lignes-0-evil": "x", "csrfmiddlewaretoken": "t", "action": "envoyer",
                        "preview_print": "p", "care_sheet_files": "f"})
    # then
    assert kept == {"prescriber_inpe": "1" * 200, "lignes-3-cotation": "B 60"}
