"""Claims contested by their insured person, built the way production builds them: filing, the
controls, an agent's decisions, a bordereau paid by the bank."""
from datetime import timedelta

from django.utils import timezone

from claims.models import Claim, ClaimStatus
from claims.services.review import accept_claim, confirm_claim, reject_claim, reject_line
from tests.admin.support import claim_in_control
from tests.factories.claims import act


def decided_with_rejected_line(*, insured, agent, supervisor) -> Claim:
    """Cs 250 DH and B 60 66 DH; the agent rejects the B 60 line and accepts the claim (liquidated)."""
    claim = claim_in_control(insured=insured, lines=[act("Cs", "250.00"), act("B 60", "66.00")])
    line = claim.lines.get(position=2)
    reject_line(line=line, version=claim.version, by=agent, reason_code="rejet_agent", comment="Analyse non prescrite.")
    claim.refresh_from_db()
    claim = accept_claim(claim=claim, version=claim.version, by=agent)
    if claim.needs_second_approval:
        claim = confirm_claim(claim=claim, version=claim.version, by=supervisor)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    return claim


def rejected_by_agent(*, insured, agent) -> Claim:
    claim = claim_in_control(insured=insured)
    claim = reject_claim(claim=claim, version=claim.version, by=agent, reason_code="signature_medecin_manquante")
    claim.refresh_from_db()
    return claim


def pay_everything(*, mutuelle, supervisor, officer, capture):
    """A bordereau of every payable claim of the mutuelle, approved and executed by the bank."""
    from mutuelles.models import AMOFund
    from mutuelles.services import system_user
    from payments.models import Bordereau
    from payments.services.bank_return import import_bank_return
    from payments.services.building import request_bordereau
    from payments.services.review import approve_bordereau, present_bordereau
    from tests.payments.support import bank_answer, set_payer_accounts

    set_payer_accounts()
    fund = AMOFund.objects.get(code="CNOPS")
    with capture(execute=True):
        bordereau = request_bordereau(mutuelle=mutuelle, fund=fund, by=system_user())
    bordereau = Bordereau.objects.get(pk=bordereau.pk)
    present_bordereau(bordereau=bordereau, by=supervisor)
    with capture(execute=True):
        approve_bordereau(bordereau=bordereau, by=officer)
    bordereau.refresh_from_db()
    with capture(execute=True):
        import_bank_return(bordereau=bordereau, content=bank_answer(bordereau.transfer_order), file_name="retour.txt",
                           by=officer)
    bordereau.refresh_from_db()
    return bordereau


def build_bordereau(*, mutuelle, capture):
    from mutuelles.models import AMOFund
    from mutuelles.services import system_user
    from payments.models import Bordereau
    from payments.services.building import request_bordereau
    from tests.payments.support import set_payer_accounts

    set_payer_accounts()
    with capture(execute=True):
        bordereau = request_bordereau(mutuelle=mutuelle, fund=AMOFund.objects.get(code="CNOPS"), by=system_user())
    return Bordereau.objects.get(pk=bordereau.pk)


def days_after_decision(claim: Claim, days: int):
    change = claim.status_changes.filter(to_status__in=[ClaimStatus.LIQUIDATED, ClaimStatus.REJECTED]).last()
    return timezone.localdate(change.changed_at) + timedelta(days=days)
