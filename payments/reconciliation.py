"""Reconciliation of what was liquidated with what the bank paid: the "paid once" invariant, checked.

For every claim that was ever in a bordereau: the shares the bank confirmed (the claim's
`amo_settled` / `complementary_settled`) equal what its lines say the bank paid, never exceed the
liquidated shares, and, with what its open line carries, never exceed them either; a claim "payé"
has received exactly its liquidated total. The database enforces most of it (payments migration
0007, claims 0007); this is the accountant's view of what got through anyway (old data, hand-made
SQL), shown to CNOPS staff in the admin and reported every night.
"""
import logging

from django.core.mail import mail_admins
from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from amo_portal.money import ZERO
from claims.models import Claim, ClaimStatus
from claims.payable import due_expressions
from payments.models import BordereauLine, LineState

logger = logging.getLogger(__name__)
MONEY = DecimalField(max_digits=12, decimal_places=2)
MSG_BREACH = "{count} dossier(s) dont le montant versé ne correspond pas au montant liquidé : {numbers}"


def _line_sum(field: str, **filters) -> Coalesce:
    lines = (BordereauLine.objects.filter(claim=OuterRef("pk"), **filters).order_by().values("claim")
             .annotate(total=Sum(field)).values("total"))
    return Coalesce(Subquery(lines, output_field=MONEY), Value(ZERO, output_field=MONEY))


def with_payment_ledger(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate claims with what their lines say was paid (ledger_*) and what an open line carries (open_*)."""
    return claims.annotate(
        ledger_amo=_line_sum("amo_paid"), ledger_complementary=_line_sum("complementary_paid"),
        open_amo=_line_sum("amo", state=LineState.PENDING),
        open_complementary=_line_sum("complementary", state=LineState.PENDING),
    )


def claims_out_of_balance(claims: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims (among `claims`, all by default) that break the invariant, with their ledger."""
    claims = Claim.objects.all() if claims is None else claims
    ever_batched = Exists(BordereauLine.objects.filter(claim=OuterRef("pk")))
    total_amo = Coalesce("total_amo", Value(ZERO, output_field=MONEY))
    total_complementary = Coalesce("total_complementary", Value(ZERO, output_field=MONEY))
    breach = ~Q(ledger_amo=F("amo_settled")) | ~Q(ledger_complementary=F("complementary_settled"))
    return (with_payment_ledger(claims.filter(ever_batched))
            .alias(total_amo_or_zero=total_amo, total_complementary_or_zero=total_complementary, **due_expressions())
            .filter(breach
                    | Q(amo_settled__gt=F("total_amo_or_zero"))
                    | Q(complementary_settled__gt=F("total_complementary_or_zero"))
                    | Q(open_amo__gt=F("due_amo"))  # an open line carries more than the claim still owes
                    | Q(open_complementary__gt=F("due_complementary"))
                    | Q(status=ClaimStatus.PAID) & (~Q(amo_settled=F("total_amo_or_zero"))
                                                    | ~Q(complementary_settled=F("total_complementary_or_zero"))))
            .order_by("pk"))


def report_breaches(*, limit: int = 50) -> int:
    """The nightly check: log and mail the administrators the claims out of balance; returns how many."""
    breaches = claims_out_of_balance()
    count = breaches.count()
    if count:
        numbers = ", ".join(n or "?" for n in breaches.values_list("number", flat=True)[:limit])
        message = MSG_BREACH.format(count=count, numbers=numbers + (" ..." if count > limit else ""))
        logger.error(message)
        mail_admins("Rapprochement des paiements : écarts détectés", message)
    return count
