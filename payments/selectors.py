"""Read side of the payments, scoped by who asks: CNOPS staff see their organisme's bordereaux,
mutuelle staff their mutuelle's, nobody else any (insured persons read `claim_payments`)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from claims.models import Claim
from payments.models import (
    BankReturn,
    Bordereau,
    BordereauLine,
    BordereauStatus,
    HeldClaim,
    LineState,
    TransferOrder,
)


def bordereaux_visible_to(*, user) -> QuerySet[Bordereau]:
    if not user.is_authenticated or not user.is_active:
        return Bordereau.objects.none()
    if user.is_superuser:
        return Bordereau.objects.all()
    if user.is_fund_officer:
        return Bordereau.objects.filter(fund_id=user.fund_id)
    if user.is_mutuelle_staff:
        return Bordereau.objects.filter(mutuelle_id=user.mutuelle_id)
    return Bordereau.objects.none()


def reconciliation_scope(*, user) -> QuerySet[Claim]:
    """The claims whose payments a staff member may reconcile: their organisme's or mutuelle's."""
    if not user.is_authenticated or not user.is_active:
        return Claim.objects.none()
    if user.is_superuser:
        return Claim.objects.all()
    if user.is_fund_officer:
        return Claim.objects.filter(fund_id=user.fund_id)
    if user.is_mutuelle_staff:
        return Claim.objects.filter(mutuelle_id=user.mutuelle_id)
    return Claim.objects.none()


def lines_visible_to(*, user) -> QuerySet[BordereauLine]:
    return BordereauLine.objects.filter(bordereau__in=bordereaux_visible_to(user=user))


def held_claims_visible_to(*, user) -> QuerySet[HeldClaim]:
    if not user.is_authenticated or not user.is_active:
        return HeldClaim.objects.none()
    if user.is_superuser:
        return HeldClaim.objects.all()
    if user.is_fund_officer:
        return HeldClaim.objects.filter(fund_id=user.fund_id)
    if user.is_mutuelle_staff:
        return HeldClaim.objects.filter(mutuelle_id=user.mutuelle_id)
    return HeldClaim.objects.none()


def transfer_orders_visible_to(*, user) -> QuerySet[TransferOrder]:
    return TransferOrder.objects.filter(bordereau__in=bordereaux_visible_to(user=user))


def bank_returns_visible_to(*, user) -> QuerySet[BankReturn]:
    return BankReturn.objects.filter(bordereau__in=bordereaux_visible_to(user=user))


@dataclass(frozen=True)
class ClaimPayment:
    """Where the payment of one claim stands, as the insured person reads it."""

    batch_number: str
    status: str
    paid_on: date | None
    rib_last_digits: str
    amo: Decimal
    complementary: Decimal
    bank_reason: str


#: The insured person's words for a line's state (and, while it waits, its bordereau's).
PENDING_LABELS = {
    BordereauStatus.BUILDING: "en préparation",
    BordereauStatus.BUILT: "en préparation",
    BordereauStatus.PRESENTED: "en préparation",
    BordereauStatus.REJECTED: "en préparation",
    BordereauStatus.APPROVED: "approuvé",
}
SENT_LABEL = "virement émis"
STATE_LABELS = {
    LineState.PAID: "payé",
    LineState.BANK_REJECTED: "rejeté par la banque",
}


def claim_payments(*, claim_ids: list[int]) -> dict[int, ClaimPayment]:
    """The latest payment of each claim (the bordereau it is in or was paid by); claims never put
    in a bordereau, or pulled out of it, are absent. The caller has scoped `claim_ids` already."""
    rows = (BordereauLine.objects.filter(claim_id__in=claim_ids).exclude(state=LineState.WITHDRAWN)
            .order_by("claim_id", "-pk")
            .values_list("claim_id", "bordereau__number", "bordereau__status", "state", "paid_on", "rib", "amo",
                         "complementary", "bank_reason", "bank_reason_code"))
    payments: dict[int, ClaimPayment] = {}
    for claim_id, number, batch_status, state, paid_on, rib, amo, complementary, reason, code in rows:
        if claim_id in payments:
            continue
        if state in STATE_LABELS:
            status = STATE_LABELS[state]
        elif batch_status in (BordereauStatus.SENT, BordereauStatus.SETTLED):
            status = SENT_LABEL
        else:
            status = PENDING_LABELS.get(batch_status, "en préparation")
        payments[claim_id] = ClaimPayment(
            batch_number=number, status=status, paid_on=paid_on, rib_last_digits=f"…{rib[-4:]}" if rib else "",
            amo=amo, complementary=complementary, bank_reason=reason or code,
        )
    return payments
