"""An insured person changes mutuelle or organisme only through the audited transfer: reserved to the
roles holding `beneficiaries.transfer_insured` (CNOPS officers, superusers), one audit row each
(who, when, from, to, why); the ordinary form shows the mutuelle and the organisme read-only."""
import html

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from amo_portal.exceptions import DomainError
from beneficiaries.models import Insured, InsuredTransfer
from beneficiaries.services.transfers import transfer_insured
from mutuelles.models import AMOFund, StaffRole, User
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:beneficiaries_insured_changelist")


@pytest.fixture
def cnops(db):
    return AMOFund.objects.get(code="CNOPS")


@pytest.fixture
def cnss(db):
    return AMOFund.objects.get(code="CNSS")


def transfer_post(insured_ids, **form) -> dict:
    return {"action": "transfer_selected", "_selected_action": [str(pk) for pk in insured_ids], "index": "0",
            "confirm": "1", **form}


def registry_state() -> list[tuple]:
    return list(Insured.objects.order_by("pk").values_list("pk", "mutuelle_id", "fund_id", "updated_at"))


def test_a_cnops_officer_transfers_an_insured_person_and_the_transfer_is_audited(login, fund_officer, insured, mgen,
                                                                                cnops):
    # given
    client = login(fund_officer)
    # when: the action asks where to and why, then transfers
    form = client.post(CHANGELIST, {"action": "transfer_selected", "_selected_action": [insured.pk], "index": "0"})
    done = client.post(CHANGELIST, transfer_post([insured.pk], to_mutuelle=mgen.pk, to_fund=cnops.pk,
                                                 reason="Mutation de l'assuré au ministère de la Santé"), follow=True)
    # then
    assert "Nouvelle mutuelle" in form.content.decode()
    assert "1 assuré(s) transféré(s) vers MGEN" in html.unescape(done.content.decode())
    insured.refresh_from_db()
    assert insured.mutuelle == mgen
    audit = InsuredTransfer.objects.get(insured=insured)
    assert (audit.from_mutuelle.code, audit.to_mutuelle.code, audit.from_fund, audit.to_fund) == \
        ("MGPAP", "MGEN", cnops, cnops)
    assert audit.transferred_by == fund_officer
    assert audit.reason == "Mutation de l'assuré au ministère de la Santé"
    assert audit.created_at is not None


def test_the_transfer_is_shown_in_the_insured_persons_history(login, fund_officer, insured, mgen, cnops):
    # given
    transfer_insured(insured_ids=[insured.pk], to_mutuelle=mgen, to_fund=cnops, reason="Mutation", by=fund_officer)
    # when
    page = login(fund_officer).get(reverse("admin:beneficiaries_insured_change", args=[insured.pk]))
    # then
    content = page.content.decode()
    assert "transferts d&#x27;assurés" in content.lower() or "transferts d'assurés" in content.lower()
    assert "Mutation" in content


@pytest.mark.parametrize("role", ["agent", "medecin", "superviseur"])
def test_mutuelle_staff_are_not_offered_the_transfer_and_a_forged_one_changes_nothing(login, role, mgpap, mgen,
                                                                                     cnops, insured):
    # given
    user = StaffFactory(role=role, mutuelle=mgpap)
    client = login(user)
    before = registry_state()
    # when
    listing = client.get(CHANGELIST)
    forged = client.post(CHANGELIST, transfer_post([insured.pk], to_mutuelle=mgen.pk, to_fund=cnops.pk,
                                                   reason="forgé"))
    # then
    assert "transfer_selected" not in listing.content.decode()
    assert forged.status_code in {200, 302}
    assert registry_state() == before
    assert not InsuredTransfer.objects.exists()


def test_the_service_refuses_a_user_without_the_permission(supervisor, insured, mgen, cnops):
    # when / then
    with pytest.raises(DomainError, match="votre rôle ne permet pas de transférer un assuré"):
        transfer_insured(insured_ids=[insured.pk], to_mutuelle=mgen, to_fund=cnops, reason="x", by=supervisor)
    insured.refresh_from_db()
    assert insured.mutuelle.code == "MGPAP"
    assert not InsuredTransfer.objects.exists()


def test_a_cnops_officer_cannot_transfer_a_person_of_another_organisme(login, fund_officer, mgen, cnops, cnss):
    # given: a member of the CNSS, outside the CNOPS officer's scope
    theirs = InsuredFactory(mutuelle=mgen, fund=cnss)
    before = registry_state()
    # when
    with pytest.raises(DomainError, match="aucun des assurés choisis n'est de votre ressort"):
        transfer_insured(insured_ids=[theirs.pk], to_mutuelle=mgen, to_fund=cnops, reason="x", by=fund_officer)
    login(fund_officer).post(CHANGELIST, transfer_post([theirs.pk], to_mutuelle=mgen.pk, to_fund=cnops.pk,
                                                       reason="forgé"))
    # then
    assert registry_state() == before
    assert not InsuredTransfer.objects.exists()


def test_a_cnops_officer_cannot_move_a_person_to_another_organisme(login, fund_officer, insured, mgen, cnss):
    # when
    response = login(fund_officer).post(CHANGELIST, transfer_post([insured.pk], to_mutuelle=mgen.pk, to_fund=cnss.pk,
                                                                  reason="forgé"))
    # then: the form names the field
    assert "Nouvel organisme : choisissez-en une de votre périmètre." in html.unescape(response.content.decode())
    insured.refresh_from_db()
    assert (insured.mutuelle.code, insured.fund.code) == ("MGPAP", "CNOPS")
    assert not InsuredTransfer.objects.exists()


def test_a_transfer_without_reason_is_refused_and_names_the_field(login, fund_officer, insured, mgen, cnops):
    # when
    response = login(fund_officer).post(CHANGELIST, transfer_post([insured.pk], to_mutuelle=mgen.pk,
                                                                  to_fund=cnops.pk, reason="  "))
    # then
    assert "Motif du transfert : ce champ est obligatoire." in html.unescape(response.content.decode())
    insured.refresh_from_db()
    assert insured.mutuelle.code == "MGPAP"
    assert not InsuredTransfer.objects.exists()


def test_a_transfer_of_several_people_is_all_or_nothing(fund_officer, mgpap, mgen, cnops):
    # given: the second person's affiliation number is already taken in the new mutuelle
    first, second = InsuredFactory(mutuelle=mgpap), InsuredFactory(mutuelle=mgpap)
    InsuredFactory(mutuelle=mgen, affiliation_number=second.affiliation_number)
    before = registry_state()
    # when / then
    with pytest.raises(DomainError, match="Transfert refusé pour"):
        transfer_insured(insured_ids=[first.pk, second.pk], to_mutuelle=mgen, to_fund=cnops, reason="Fusion",
                         by=fund_officer)
    assert registry_state() == before
    assert not InsuredTransfer.objects.exists()


def test_a_superuser_transfers_too(login, insured, mgen, cnss):
    # given
    root = User.objects.create_superuser("racine", "racine@example.ma", PASSWORD)
    # when
    login(root).post(CHANGELIST, transfer_post([insured.pk], to_mutuelle=mgen.pk, to_fund=cnss.pk,
                                               reason="Bascule de l'AMO vers la CNSS"))
    # then
    insured.refresh_from_db()
    assert (insured.mutuelle.code, insured.fund.code) == ("MGEN", "CNSS")
    assert InsuredTransfer.objects.get().transferred_by == root


def test_the_ordinary_form_shows_the_mutuelle_and_the_organisme_read_only(login, supervisor, insured, mgen, cnss):
    # given: the supervisor's own member, and a form forged with another mutuelle and organisme
    client = login(supervisor)
    page = client.get(reverse("admin:beneficiaries_insured_change", args=[insured.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"mutuelle": mgen.pk, "fund": cnss.pk, "city": "Tanger", "birth_date": "1980-04-12",
                 "status_since": "2005-09-01", "affiliated_on": "2005-09-01"})
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    # when
    response = client.post(reverse("admin:beneficiaries_insured_change", args=[insured.pk]), data)
    # then: the rest is saved, the mutuelle and the organisme are not
    assert "mutuelle" not in form.fields and "fund" not in form.fields
    assert response.status_code == 302
    insured.refresh_from_db()
    assert insured.city == "Tanger"
    assert (insured.mutuelle.code, insured.fund.code) == ("MGPAP", "CNOPS")


def test_setup_roles_gives_the_transfer_to_the_cnops_officers_only():
    # when: the groups as setup_roles made them (tests/conftest.py runs it)
    holders = set(Group.objects.filter(permissions__codename="transfer_insured").values_list("name", flat=True))
    # then
    assert holders == {StaffRole.FUND_OFFICER.label}
