"""The simulated bank (demonstrations): it answers an issued transfer order with a real return
file, imported like the bank's, so that claims reach "payé" or "virement rejeté" as in production."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.models import Claim, ClaimStatus
from payments.models import BankReturn, BankReturnLine, BordereauStatus
from payments.services.bank_return import import_bank_return
from payments.services.demo_bank import DemoBankError, Rejections, simulated_results
from payments.transfer_file import Transfer, TransferResult, parse_transfer_order, write_bank_return

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 4)


@pytest.fixture
def demo_bank(settings):
    settings.AMO_DEMO_BANK = True


@pytest.fixture
def simulate(django_capture_on_commit_callbacks):
    """simulate(bordereau, *options) -> the bordereau after the command and the settlement it started."""

    def run(bordereau, *options):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("simulate_bank_return", bordereau.number, *options)
        bordereau.refresh_from_db()
        return bordereau

    return run


def transfers_of(bordereau) -> list[Transfer]:
    with bordereau.transfer_order.file.open("rb") as handle:
        return parse_transfer_order(handle.read()).transfers


def test_by_default_the_bank_executes_every_transfer_and_the_claims_are_paid(sent, demo_bank, simulate):
    # given: a bordereau whose order was issued (2 claims, both shares: 4 transfers)
    assert sent.status == BordereauStatus.SENT
    # when
    settled = simulate(sent)
    # then
    assert settled.status == BordereauStatus.SETTLED
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.PAID}
    bank_return = BankReturn.objects.get(bordereau=sent)
    assert (bank_return.accepted_count, bank_return.rejected_count) == (4, 0)
    assert bank_return.accepted_total == sent.total_amo + sent.total_complementary
    assert bank_return.file_name.startswith(f"RB-SIMULATION-{sent.number}")


def test_a_claim_named_with_a_reason_code_is_rejected_by_the_bank_and_the_other_paid(sent, demo_bank, simulate):
    # given
    rejected, paid = sent.lines.order_by("pk")
    # when: the bank refuses both transfers of the first claim: account closed
    simulate(sent, "--reject", f"{rejected.claim_number}:AC04")
    # then
    assert Claim.objects.get(pk=rejected.claim_id).status == ClaimStatus.PAYMENT_REJECTED
    assert Claim.objects.get(pk=paid.claim_id).status == ClaimStatus.PAID
    results = BankReturnLine.objects.filter(line=rejected)
    assert {(r.payer, r.accepted, r.reason_code, r.reason) for r in results} == {
        ("A", False, "AC04", "compte clôturé"), ("C", False, "AC04", "compte clôturé")}


def test_one_payer_share_can_be_rejected_for_every_claim(sent, demo_bank, simulate):
    # when: the mutuelle's transfers are all refused (AC06, blocked account)
    simulate(sent, "--reject-share", "C:AC06")
    # then: the AMO share is paid, the complementary share refused, on every line
    results = BankReturnLine.objects.filter(line__bordereau=sent)
    assert {(r.payer, r.accepted, r.reason_code) for r in results} == {("A", True, ""), ("C", False, "AC06")}
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.PAYMENT_REJECTED}


def test_transfers_drawn_at_random_are_rejected_the_others_executed(sent, demo_bank, simulate):
    # when
    simulate(sent, "--reject-random", "1", "--seed", "7", "--reason", "MD07")
    # then
    bank_return = BankReturn.objects.get(bordereau=sent)
    assert (bank_return.accepted_count, bank_return.rejected_count) == (3, 1)
    assert BankReturnLine.objects.get(accepted=False).reason == "titulaire du compte décédé"


def test_only_the_transfers_the_bank_has_not_answered_yet_are_answered(sent, demo_bank, simulate, fund_officer,
                                                                       django_capture_on_commit_callbacks):
    # given: the real bank already answered one transfer, executed
    first = transfers_of(sent)[0]
    content = write_bank_return(bordereau_number=sent.number, order_sha256=sent.transfer_order.sha256,
                                processed_on=DAY, results=[TransferResult(first.transfer_id, True, first.amount,
                                                                          booked_on=DAY)])
    with django_capture_on_commit_callbacks(execute=True):
        import_bank_return(bordereau=sent, content=content, file_name="retour-1.txt", by=fund_officer)
    # when
    settled = simulate(sent)
    # then: the simulated return answers the 3 others, and the bordereau is settled
    simulated = BankReturn.objects.filter(bordereau=sent).exclude(file_name="retour-1.txt").get()
    assert (simulated.accepted_count, simulated.rejected_count) == (3, 0)
    assert settled.status == BordereauStatus.SETTLED
    # when: asked again, there is nothing left to answer
    with pytest.raises(CommandError, match="ont déjà reçu une réponse"):
        simulate(sent)


def test_the_simulated_bank_is_refused_when_the_setting_is_off(sent, settings, simulate):
    # given: production (AMO_DEMO_BANK off)
    settings.AMO_DEMO_BANK = False
    # when / then
    with pytest.raises(CommandError, match="AMO_DEMO_BANK"):
        simulate(sent)
    assert not BankReturn.objects.exists()
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.IN_BATCH}


def test_a_bordereau_whose_order_was_not_issued_is_refused(bordereau, demo_bank, simulate):
    # given: built, not approved
    # when / then
    with pytest.raises(CommandError, match="impossible de simuler la réponse de la banque"):
        simulate(bordereau)
    assert not BankReturn.objects.exists()


@pytest.mark.parametrize(("options", "message"), [
    (["--reject", "MGPAP-2099-99999999"], "aucun virement de l'ordre"),
    (["--reject-share", "X"], "Part à rejeter"),
    (["--reject", "x:TOO-LONG"], "Code motif"),
    (["--reject-random", "5"], "seuls 4 virements"),
])
def test_an_impossible_answer_is_refused_whole(sent, demo_bank, simulate, options, message):
    # given / when / then
    with pytest.raises(CommandError, match=message):
        simulate(sent, *options)
    assert not BankReturn.objects.exists()


def test_an_unknown_bordereau_number_is_named():
    # given / when / then
    with pytest.raises(CommandError, match="BRD-INCONNU"):
        call_command("simulate_bank_return", "BRD-INCONNU")


def test_a_rejection_names_a_transfer_a_payment_reference_or_a_claim():
    # given: one claim, two transfers
    transfers = [Transfer("MGPAP-2026-00000001-000042-A", "", "", "", Decimal("120.00"), "MGPAP-2026-00000001", ""),
                 Transfer("MGPAP-2026-00000001-000042-C", "", "", "", Decimal("40.00"), "MGPAP-2026-00000001", "")]

    def refused(references: dict) -> set[str]:
        results = simulated_results(transfers, answered=set(), processed_on=DAY,
                                    rejections=Rejections(references=references))
        return {r.transfer_id for r in results if not r.accepted}

    # when / then
    assert refused({"MGPAP-2026-00000001-000042-A": "AC01"}) == {"MGPAP-2026-00000001-000042-A"}
    assert refused({"MGPAP-2026-00000001-000042": "AC01"}) == {t.transfer_id for t in transfers}
    assert refused({"MGPAP-2026-00000001": "AC01"}) == {t.transfer_id for t in transfers}
    with pytest.raises(DemoBankError):
        refused({"MGPAP-2026-00000002": "AC01"})


def test_the_same_seed_draws_the_same_transfers():
    # given
    transfers = [Transfer(f"T-{n}-A", "", "", "", Decimal("1.00"), f"C{n}", "") for n in range(50)]
    rejections = Rejections(random_count=5, seed=2026)
    # when
    draws = [{r.transfer_id for r in simulated_results(transfers, answered=set(), rejections=rejections,
                                                       processed_on=DAY) if not r.accepted} for _ in range(2)]
    # then
    assert draws[0] == draws[1] and len(draws[0]) == 5


def test_the_admin_action_simulates_the_answer_from_the_bordereau_page(sent, demo_bank, fund_officer, client,
                                                                      django_capture_on_commit_callbacks):
    # given: the bordereau page offers the simulation
    client.force_login(fund_officer)
    page = client.get(reverse("admin:payments_bordereau_change", args=[sent.pk]))
    assert "Simuler la réponse de la banque (démonstration)" in page.content.decode()
    url = reverse("admin:payments_bordereau_changelist")
    # when: the button opens the form
    form = client.post(url, {"action": "simulate_bank_return_action", "_selected_action": [sent.pk],
                             "from_desk": "1"})
    assert form.status_code == 200 and "Motif des rejets" in form.content.decode()
    # and the form is sent, the first claim's AMO transfer to be refused
    line = sent.lines.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"action": "simulate_bank_return_action", "_selected_action": [sent.pk],
                                   "from_desk": "1", "confirm": "1", "reject_share": "",
                                   "reject_references": f"{line.reference}-A", "reason_code": "AC01"})
    # then: back on the bordereau page, the return recorded
    assert answer.status_code == 302 and answer.url == reverse("admin:payments_bordereau_change", args=[sent.pk])
    bank_return = BankReturn.objects.get(bordereau=sent)
    assert (bank_return.accepted_count, bank_return.rejected_count, bank_return.imported_by) == (3, 1, fund_officer)
    assert Claim.objects.get(pk=line.claim_id).status == ClaimStatus.PAYMENT_REJECTED


def test_the_admin_action_is_not_offered_without_the_setting_or_the_permission(sent, settings, supervisor,
                                                                               fund_officer, client):
    # given: the setting off
    settings.AMO_DEMO_BANK = False
    client.force_login(fund_officer)
    url = reverse("admin:payments_bordereau_changelist")
    # when / then: neither the button nor the action
    page = client.get(reverse("admin:payments_bordereau_change", args=[sent.pk]))
    assert "Simuler la réponse" not in page.content.decode()
    client.post(url, {"action": "simulate_bank_return_action", "_selected_action": [sent.pk], "confirm": "1",
                      "reason_code": "AC04"})
    assert not BankReturn.objects.exists()
    # given: the setting on, a mutuelle supervisor (may not import bank returns)
    settings.AMO_DEMO_BANK = True
    client.force_login(supervisor)
    # when / then
    assert "simulate_bank_return_action" not in client.get(url).content.decode()
    client.post(url, {"action": "simulate_bank_return_action", "_selected_action": [sent.pk], "confirm": "1",
                      "reason_code": "AC04"})
    assert not BankReturn.objects.exists()
