"""The insured person's family pages: the family and the declarations with their status, a declaration
of each kind with its document, errors that name the field (nothing written), a declaration's page and
documents (theirs only), the withdrawal; and, once a birth is accepted, the new child on the claim form
with a claim that passes the controls."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models_family import FamilyChangeRequest
from beneficiaries.services.family_changes import accept_family_change, refuse_family_change
from claims.models import Claim, ClaimStatus
from tests.beneficiaries.family_support import declare, newborn, registry_state, upload
from tests.portal.test_pages import claim_form, photo

pytestmark = pytest.mark.django_db
KINDS = ["naissance", "mariage", "divorce", "garde", "etudes", "handicap"]


def today():
    return timezone.localdate()


def birth_post(**overrides) -> dict:
    data = {"last_name": "Alaoui", "first_name": "Lina", "first_name_ar": "لينا",
            "birth_date": (today() - timedelta(days=9)).isoformat(), "sex": "F", "document": upload(3, "acte.png")}
    return {**data, **overrides}


@pytest.mark.parametrize(("kind", "query"), [(kind, "") for kind in KINDS if kind != "garde"]
                         + [("garde", "?sens=arrivee"), ("garde", "?sens=depart")])
def test_each_kind_has_its_form_with_the_document_it_requires(member_client, kind, query):
    body = member_client.get(reverse("portal:family_change_new", args=[kind]) + query).content.decode()
    document = {"naissance": "Acte de naissance", "mariage": "Acte de mariage", "divorce": "Jugement de divorce",
                "garde": "Jugement de garde", "etudes": "Certificat d&#x27;études supérieures",
                "handicap": "Certificat médical du handicap"}[kind]
    assert document in body and 'name="document"' in body
    assert ('name="birth_date"' in body) == (kind in ("naissance", "mariage") or query == "?sens=arrivee")


def test_the_list_of_changes_leads_to_each_form(member_client):
    body = member_client.get(reverse("portal:family_change_choose")).content.decode()
    for kind in KINDS:
        assert reverse("portal:family_change_new", args=[kind]) in body
    assert "?sens=arrivee" in body and "?sens=depart" in body
    # a custody form without its direction goes back to the list
    response = member_client.get(reverse("portal:family_change_new", args=["garde"]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:family_change_choose")


def test_a_child_leaving_is_chosen_among_the_current_children(member_client, member):
    # given: one child gone already, one here
    from tests.factories.beneficiaries import DependentFactory

    gone = DependentFactory(insured=member, first_name="Sami", birth_date=today() - timedelta(days=3000),
                            registered_on=today() - timedelta(days=2000), ended_on=today() - timedelta(days=10))
    here = member.dependents.get(first_name="Adam")
    # when
    leaving = member_client.get(reverse("portal:family_change_new", args=["garde"]) + "?sens=depart").content.decode()
    joining = member_client.get(reverse("portal:family_change_new", args=["garde"]) + "?sens=arrivee").content.decode()
    # then
    assert f'value="{here.pk}"' in leaving and f'value="{gone.pk}"' not in leaving
    assert f'value="{gone.pk}"' in joining and f'value="{here.pk}"' not in joining
    # and the child leaves with the judgment
    response = member_client.post(reverse("portal:family_change_new", args=["garde"]), {
        "custody_direction": "depart", "dependent": here.pk, "event_date": today().isoformat(),
        "document": upload(8)})
    assert response.status_code == 302
    assert FamilyChangeRequest.objects.get(insured=member).dependent == here


def test_the_family_page_lists_members_and_declarations_with_their_status(member_client, member, agent):
    # given: one accepted birth, one refused
    accepted = declare(member, "naissance", **newborn())
    accept_family_change(request_id=accepted.pk, by=agent)
    refused = declare(member, "naissance", **newborn(first_name="Lilia"))
    refuse_family_change(request_id=refused.pk, by=agent, reason="Acte illisible : envoyez une photo nette.")
    # when
    body = member_client.get(reverse("portal:family")).content.decode()
    # then
    assert "Lina Alaoui" in body or "Lina " in body
    assert f"Acceptée, effet au {today():%d/%m/%Y}" in body
    assert "Acte illisible : envoyez une photo nette." in body
    assert accepted.number in body and refused.number in body


def test_the_home_page_leads_to_the_family_page(member_client):
    body = member_client.get(reverse("portal:dashboard")).content.decode()
    assert reverse("portal:family") in body and reverse("portal:family_change_choose") in body


def test_a_birth_is_declared_with_its_certificate(member_client, member):
    # when
    response = member_client.post(reverse("portal:family_change_new", args=["naissance"]), birth_post())
    # then
    change = FamilyChangeRequest.objects.get(insured=member)
    assert response.status_code == 302 and response["Location"] == reverse("portal:family_change_detail",
                                                                           args=[change.pk])
    assert (change.first_name, change.first_name_ar, change.documents.get().kind) == ("Lina", "لينا",
                                                                                      "acte_naissance")
    page = member_client.get(response["Location"]).content.decode()
    assert "en attente" in page and change.number in page


def test_errors_name_their_field_and_nothing_is_written(member_client, member):
    # given
    before = registry_state()
    # when: a birth tomorrow, without its certificate
    response = member_client.post(reverse("portal:family_change_new", args=["naissance"]),
                                  birth_post(birth_date=(today() + timedelta(days=1)).isoformat(), document=""))
    # then
    body = response.content.decode()
    assert response.status_code == 400
    assert "Acte de naissance : joignez le document" in body
    assert registry_state() == before
    # and with the document, the date is named
    response = member_client.post(reverse("portal:family_change_new", args=["naissance"]),
                                  birth_post(birth_date=(today() + timedelta(days=1)).isoformat()))
    assert "Date de naissance : elle ne peut pas être dans le futur." in response.content.decode()
    assert registry_state() == before


def test_a_file_that_is_not_a_document_is_refused(member_client, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("acte.png", b"<script>alert(1)</script>", content_type="image/png")
    response = member_client.post(reverse("portal:family_change_new", args=["naissance"]), birth_post(document=fake))
    assert response.status_code == 400 and "n&#x27;est ni un PDF, ni une image JPEG ou PNG" in response.content.decode()
    assert not FamilyChangeRequest.objects.exists()


def test_a_divorce_without_a_spouse_names_the_field(member_client):
    response = member_client.post(reverse("portal:family_change_new", args=["divorce"]),
                                  {"event_date": today().isoformat(), "document": upload(4)})
    assert response.status_code == 400
    assert "Conjoint : vous n&#x27;avez aucun conjoint ayant droit" in response.content.decode()


def test_another_persons_declaration_and_documents_are_a_404(member_client, stranger):
    # given
    theirs = declare(stranger, "naissance", **newborn(first_name="Hiba"))
    document = theirs.documents.get()
    # then
    assert member_client.get(reverse("portal:family_change_detail", args=[theirs.pk])).status_code == 404
    assert member_client.get(reverse("portal:family_change_document",
                                     args=[theirs.pk, document.pk])).status_code == 404
    assert member_client.post(reverse("portal:family_change_withdraw", args=[theirs.pk])).status_code == 404
    assert "Hiba" not in member_client.get(reverse("portal:family")).content.decode()
    assert FamilyChangeRequest.objects.get(pk=theirs.pk).status == "en_attente"


def test_the_person_downloads_their_own_document_and_withdraws_the_declaration(member_client, member):
    # given
    change = declare(member, "naissance", **newborn())
    document = change.documents.get()
    # when
    download = member_client.get(reverse("portal:family_change_document", args=[change.pk, document.pk])
                                 + "?telecharger=1")
    member_client.post(reverse("portal:family_change_withdraw", args=[change.pk]))
    # then
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    change.refresh_from_db()
    assert change.status == "retiree"


def test_a_refusal_is_shown_with_its_reason(member_client, member, agent):
    change = declare(member, "naissance", **newborn())
    refuse_family_change(request_id=change.pk, by=agent, reason="L'acte est celui d'un autre enfant.")
    body = member_client.get(reverse("portal:family_change_detail", args=[change.pk])).content.decode()
    assert "Refusée par votre mutuelle" in body and "L&#x27;acte est celui d&#x27;un autre enfant." in body


def test_the_child_accepted_today_is_on_the_claim_form_and_its_claim_passes_the_controls(
        member_client, member, agent, django_capture_on_commit_callbacks):
    # given: a birth declared and accepted
    change = declare(member, "naissance", **newborn())
    child = accept_family_change(request_id=change.pk, by=agent).new_dependent
    # when: the claim form is opened, then a claim filed for the child, cared for today
    form = member_client.get(reverse("portal:claim_new")).content.decode()
    data = claim_form(beneficiary=str(child.pk), care_date=today().isoformat(), care_sheet_files=photo(5))
    preview = member_client.post(reverse("portal:claim_new"), data)
    with django_capture_on_commit_callbacks(execute=True):
        filed = member_client.post(reverse("portal:claim_new"), {
            **claim_form(beneficiary=str(child.pk), care_date=today().isoformat()), "action": "envoyer",
            "preview_print": preview.context["form"]["preview_print"].value()})
    # then: the child is a choice; the claim is filed for the child and liquidated by the controls
    assert f'value="{child.pk}"' in form and "Lina Alaoui" in form
    assert filed.status_code == 302, filed.context["form"].errors if filed.context else filed
    claim = Claim.objects.get(insured=member)
    assert claim.dependent == child
    assert claim.status == ClaimStatus.LIQUIDATED, (claim.status, claim.rejection_message)
