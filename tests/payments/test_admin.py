"""The bordereau desk in the admin: what each role sees, and every button through its POST."""
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import ClaimStatus
from payments.models import BordereauStatus, LineState
from payments.services.review import present_bordereau
from tests.factories.mutuelles import StaffFactory
from tests.payments.support import bank_answer

pytestmark = pytest.mark.django_db


def page(bordereau) -> str:
    return reverse("admin:payments_bordereau_change", args=[bordereau.pk])


def test_the_officer_sees_the_bordereau_list_and_its_desk(login, bordereau, fund_officer):
    # given
    client = login(fund_officer)
    # when
    listing = client.get(reverse("admin:payments_bordereau_changelist"))
    desk = client.get(page(bordereau))
    # then
    assert listing.status_code == desk.status_code == 200
    assert bordereau.number in listing.content.decode()
    content = desk.content.decode()
    assert "320,00\u00a0DH" in content  # 2 × 160 DH
    assert "Rejeter le bordereau" in content
    assert "Approuver" not in content  # not presented yet


def test_a_superviseur_of_another_mutuelle_gets_404(login, bordereau, mgen):
    # given
    client = login(StaffFactory(role="superviseur", mutuelle=mgen))
    # when / then
    assert client.get(page(bordereau)).status_code == 404


def test_the_superviseur_presents_then_the_officer_approves_through_the_buttons(
        login, bordereau, supervisor, fund_officer, django_capture_on_commit_callbacks):
    # when
    response = login(supervisor).post(reverse("admin:payments_bordereau_present", args=[bordereau.pk]), follow=True)
    # then
    assert "présenté à l'organisme" in unescape(response.content.decode())
    # when
    client = login(fund_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:payments_bordereau_approve", args=[bordereau.pk]), follow=True)
    # then
    assert "approuvé : l'ordre de virement est en cours d'émission" in unescape(response.content.decode())
    bordereau.refresh_from_db()
    assert bordereau.status == BordereauStatus.SENT
    content = client.get(page(bordereau)).content.decode()
    assert "Ordre de virement" in content
    assert bordereau.transfer_order.sha256 in content


def test_the_officer_who_built_it_is_refused_with_a_message(login, liquidated, build, mgpap, fund_officer,
                                                           supervisor, payer_accounts):
    # given
    liquidated(1)
    bordereau = build(mgpap, by=fund_officer)
    present_bordereau(bordereau=bordereau, by=supervisor)
    client = login(fund_officer)
    # when
    desk = client.get(page(bordereau)).content.decode()
    response = client.post(reverse("admin:payments_bordereau_approve", args=[bordereau.pk]), follow=True)
    # then
    assert "un autre agent de l'organisme doit l'approuver" in unescape(desk)
    assert "un autre agent doit l'approuver" in unescape(response.content.decode())
    bordereau.refresh_from_db()
    assert bordereau.status == BordereauStatus.PRESENTED


def test_a_mutuelle_agent_cannot_press_the_approve_button(login, bordereau, agent, supervisor):
    # given
    present_bordereau(bordereau=bordereau, by=supervisor)
    # when
    response = login(agent).post(reverse("admin:payments_bordereau_approve", args=[bordereau.pk]))
    # then
    assert response.status_code == 403


def test_rejecting_through_the_desk_gives_the_claims_back(login, bordereau, fund_officer,
                                                          django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        login(fund_officer).post(reverse("admin:payments_bordereau_reject", args=[bordereau.pk]),
                                   {"reason": "Totaux à vérifier"})
    # then
    bordereau.refresh_from_db()
    assert (bordereau.status, bordereau.rejection_reason) == (BordereauStatus.REJECTED, "Totaux à vérifier")
    assert set(bordereau.lines.values_list("claim__status", flat=True)) == {ClaimStatus.LIQUIDATED}


def test_pulling_a_claim_out_asks_for_the_reason_then_splits(login, bordereau, fund_officer):
    # given
    client = login(fund_officer)
    line = bordereau.lines.order_by("pk").first()
    url = reverse("admin:payments_bordereauline_changelist")
    action = {"action": "withdraw_lines_action", "_selected_action": [line.pk]}
    # when
    confirm = client.post(url, action)
    done = client.post(url, {**action, "confirm": "1", "reason": "Facture illisible"}, follow=True)
    # then
    assert "Motif du retrait" in confirm.content.decode()
    assert "1 dossier(s) retiré(s)" in done.content.decode()
    line.refresh_from_db()
    assert (line.state, line.withdrawn_by) == (LineState.WITHDRAWN, fund_officer)
    bordereau.refresh_from_db()
    assert bordereau.line_count == 1


def test_the_bank_return_is_uploaded_on_the_desk(login, bordereau, supervisor, fund_officer, second_officer,
                                                 django_capture_on_commit_callbacks):
    # given
    login(supervisor).post(reverse("admin:payments_bordereau_present", args=[bordereau.pk]))
    client = login(second_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:payments_bordereau_approve", args=[bordereau.pk]))
    bordereau.refresh_from_db()
    upload = SimpleUploadedFile("retour.txt", bank_answer(bordereau.transfer_order), content_type="text/plain")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:payments_bordereau_return", args=[bordereau.pk]), {"file": upload},
                               follow=True)
    # then
    assert "2 virement(s) exécuté(s)" not in response.content.decode()  # 4 transfers: AMO and complementary
    assert "4 virement(s) exécuté(s), 0 rejeté(s)" in response.content.decode()
    bordereau.refresh_from_db()
    assert bordereau.status == BordereauStatus.SETTLED


def test_a_broken_bank_return_is_refused_with_the_reason(login, bordereau, supervisor, second_officer,
                                                         django_capture_on_commit_callbacks):
    # given
    login(supervisor).post(reverse("admin:payments_bordereau_present", args=[bordereau.pk]))
    client = login(second_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:payments_bordereau_approve", args=[bordereau.pk]))
    upload = SimpleUploadedFile("retour.txt", b"n'importe quoi", content_type="text/plain")
    # when
    response = client.post(reverse("admin:payments_bordereau_return", args=[bordereau.pk]), {"file": upload},
                           follow=True)
    # then
    assert "Fichier de retour illisible" in response.content.decode()
    bordereau.refresh_from_db()
    assert bordereau.status == BordereauStatus.SENT


def test_an_officer_builds_a_bordereau_on_demand(login, liquidated, fund_officer, mgpap,
                                                 django_capture_on_commit_callbacks):
    # given
    liquidated(1)
    client = login(fund_officer)
    form = client.get(reverse("admin:payments_bordereau_build"))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:payments_bordereau_build"),
                               {"mutuelle": mgpap.pk, "fund": fund_officer.fund_id}, follow=True)
    # then
    assert form.status_code == 200
    assert "Constitution du bordereau" in response.content.decode()
    assert mgpap.bordereaux.get().line_count == 1


def test_building_without_payable_claims_says_so_on_the_form(login, fund_officer, mgen):
    # when
    response = login(fund_officer).post(reverse("admin:payments_bordereau_build"),
                                          {"mutuelle": mgen.pk, "fund": fund_officer.fund_id})
    # then
    assert response.status_code == 200
    assert "Aucun dossier liquidé" in response.content.decode()


def test_held_out_claims_are_listed_with_their_reason(login, liquidated, build, mgpap, fund_officer):
    # given
    claim = liquidated(2)[0]
    type(claim.insured).objects.filter(pk=claim.insured_id).update(rib="")
    build(mgpap)
    # when
    response = login(fund_officer).get(reverse("admin:payments_heldclaim_changelist"))
    # then
    content = response.content.decode()
    assert claim.number in content
    assert "aucun RIB enregistré" in content
