"""Who pays the AMO share of a claim: the payer of its régime on the day it enters a bordereau.

A claim is filed with the payer of the insured person's régime on the filing day
(claims.services.intake, mutuelles.selectors.payer_on). When the régime's payer changes (law 54-23:
the public sector's AMO moves from the CNOPS to the CNSS, mutuelles/data/regimes.yaml), the claims
still waiting for a payment move to the new payer before bordereaux are opened, so that the
bordereau, the transfer order's debited account and the statement name the organisme that pays.
Amounts do not change: they follow the régime's values on the care date. Each move is recorded in
the claim's history (a change with the same status and the reason), without an e-mail.
"""
from datetime import date

from django.db import transaction
from django.utils import timezone

from claims.models import Claim, ClaimStatusChange
from claims.payable import PAYABLE_STATUSES
from mutuelles.models import RegimePayer
from mutuelles.selectors import payers_in_force

REASON_CODE = "changement_payeur"
MSG_MOVED = "Part AMO désormais payée par {payer} (organisme payeur du régime {regime} depuis le {since:%d/%m/%Y})."


def move_to_current_payers(*, on: date, by) -> int:
    """Move the payable claims of every régime to its payer on `on`; returns how many moved."""
    return sum(_move(payer, by=by) for payer in payers_in_force(on).select_related("regime", "fund"))


@transaction.atomic
def _move(payer: RegimePayer, *, by) -> int:
    claims = (Claim.objects.select_for_update(of=("self",)).filter(status__in=PAYABLE_STATUSES,
                                                                   insured__regime_id=payer.regime_id)
              .exclude(fund_id=payer.fund_id).values_list("pk", "status"))
    rows = list(claims)
    if not rows:
        return 0
    reason = MSG_MOVED.format(payer=payer.fund.code, regime=payer.regime.code, since=payer.valid_from)
    Claim.objects.filter(pk__in=[pk for pk, _ in rows]).update(fund_id=payer.fund_id)
    now = timezone.now()
    ClaimStatusChange.objects.bulk_create([
        ClaimStatusChange(claim_id=pk, from_status=status, to_status=status, changed_by=by, reason_code=REASON_CODE,
                          reason=reason, notified_at=now)
        for pk, status in rows
    ])
    return len(rows)
