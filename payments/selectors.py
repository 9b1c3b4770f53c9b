"""Read side of the payments, scoped by who asks: CNOPS staff see their organisme's bordereaux,
mutuelle staff their mutuelle's, nobody else any (insured persons read `claim_payments` and
`payment_history_for_claim`, for claims their portal has scoped)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from amo_portal.rib import rib_last_digits
from amo_portal.scoping import scoped_to
from payments.models import (
    BankReturn,
    Bordereau,
    BordereauLine,
    BordereauStatus,
    HeldClaim,
    LineState,
    Payer,
    TransferOrder,
)


def bordereaux_visible_to(*, user) -> QuerySet[Bordereau]:
    return scoped_to(Bordereau.objects.all(), user=user)

def lines_visible_to(*, user) -> QuerySet[BordereauLine]:
    return BordereauLine.objects.filter(bordereau__in=bordereaux_visible_to(user=user))


def held_claims_visible_to(*, user) -> QuerySet[HeldClaim]:
    return scoped_to(HeldClaim.objects.all(), user=user)

def transfer_orders_visible_to(*, user) -> QuerySet[TransferOrder]:
    return TransferOrder.objects.filter(bordereau__in=bordereaux_visible_to(user=user))


def bank_returns_visible_to(*, user) -> QuerySet[BankReturn]:
    return BankReturn.objects.filter(bordereau__in=bordereaux_visible_to(user=user))


def required_number(number: str | None) -> str:
    """A bordereau's number. It is given in the transaction that creates the bordereau (it needs the
    id), so every bordereau another transaction reads has one: None there is a bug, said as such."""
    if number is None:
        raise ValueError("bordereau sans numéro : il est numéroté dans la transaction qui le crée")
    return number


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
PENDING_LABELS: dict[str, str] = {
    BordereauStatus.BUILDING: "en préparation",
    BordereauStatus.BUILT: "en préparation",
    BordereauStatus.PRESENTED: "en préparation",
    BordereauStatus.REJECTED: "en préparation",
    BordereauStatus.APPROVED: "approuvé",
}
SENT_LABEL = "virement émis"
STATE_LABELS: dict[str, str] = {
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
            batch_number=required_number(number), status=status, paid_on=paid_on, rib_last_digits=rib_last_digits(rib),
            amo=amo, complementary=complementary, bank_reason=reason or code,
        )
    return payments


class ShareOutcome:
    PAID = "paye"
    REFUSED = "rejete"
    PENDING = "en_attente"


#: Where a transfer not yet answered stands, from its bordereau's status.
PENDING_STEPS: dict[str, str] = {
    BordereauStatus.APPROVED: "approuve",
    BordereauStatus.SENT: "emis",
    BordereauStatus.SETTLED: "emis",
}


@dataclass(frozen=True)
class SharePayment:
    """One payer's transfer of one claim in one bordereau: the organisme's AMO share or the
    mutuelle's complementary share, and what the bank answered."""

    payer: str  # Payer.AMO | Payer.COMPLEMENTARY
    amount: Decimal
    outcome: str  # ShareOutcome
    paid_on: date | None = None  # the value date the bank gave
    reason_code: str = ""  # ISO 20022, when refused
    reason: str = ""  # the bank's words as recorded
    step: str = "preparation"  # while pending: preparation | approuve | emis


@dataclass(frozen=True)
class PaymentAttempt:
    """One bordereau line of the claim: the RIB it went to and each payer's transfer."""

    bordereau_number: str
    rib_last_digits: str
    shares: tuple[SharePayment, ...]

    @property
    def refused(self) -> bool:
        return any(share.outcome == ShareOutcome.REFUSED for share in self.shares)


def _share(line: BordereauLine, payer: str, amount: Decimal, paid: Decimal, results: dict) -> SharePayment:
    """A payer's share: the bank's answer for it (BankReturnLine) once there is one, else the line's
    settled state, else where its bordereau stands."""
    result = results.get(payer)
    if result is not None and result.accepted:
        return SharePayment(payer, result.amount, ShareOutcome.PAID, result.booked_on or line.paid_on)
    if result is not None:
        return SharePayment(payer, amount, ShareOutcome.REFUSED, reason_code=result.reason_code, reason=result.reason)
    if paid > 0:
        return SharePayment(payer, paid, ShareOutcome.PAID, line.paid_on)
    if line.state == LineState.BANK_REJECTED:
        return SharePayment(payer, amount, ShareOutcome.REFUSED, reason_code=line.bank_reason_code,
                            reason=line.bank_reason)
    return SharePayment(payer, amount, ShareOutcome.PENDING,
                        step=PENDING_STEPS.get(line.bordereau.status, "preparation"))


def payment_history_for_claim(*, claim_id: int) -> list[PaymentAttempt]:
    """Every bordereau line of the claim, oldest first, with each payer's share and the bank's
    answer: paid (when), refused (why), or waiting. A claim refused once and paid later on a new
    RIB has two. Lines withdrawn from a bordereau moved no money and are left out. The caller has
    scoped the claim already (two queries: the lines with their bordereau, the bank's answers)."""
    lines = (BordereauLine.objects.filter(claim_id=claim_id).exclude(state=LineState.WITHDRAWN)
             .select_related("bordereau").prefetch_related("bank_results").order_by("pk"))
    history = []
    for line in lines:
        results = {result.payer: result for result in line.bank_results.all()}
        shares = tuple(_share(line, payer, amount, paid, results) for payer, amount, paid in (
            (Payer.AMO, line.amo, line.amo_paid), (Payer.COMPLEMENTARY, line.complementary, line.complementary_paid))
            if amount > 0)
        history.append(PaymentAttempt(line.bordereau.number or "", rib_last_digits(line.rib), shares))
    return history
