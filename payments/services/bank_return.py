"""The bank's return: import the file (once), then settle the claims chunk by chunk.

A claim becomes "payé" only when the bank has executed every transfer of its line; a rejected
transfer (closed account, wrong RIB) makes it "virement rejeté" and the insured person is told (the
workflow's status email). Importing the same file twice records nothing new; a second file saying
something else about a transfer already answered is refused whole.
"""
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from amo_portal.bulk import update_columns
from amo_portal.money import ZERO
from claims.models import ClaimStatus
from claims.workflow import transition_ids
from payments.copy_rows import insert_tuples
from payments.exceptions import BankReturnRejected, BordereauStateError, TransferFileError
from payments.lock_objects import lines_to_settle, lock_bordereau
from payments.models import (
    BankReturn,
    BankReturnLine,
    Bordereau,
    BordereauLine,
    BordereauStatus,
    LineState,
    Payer,
)
from payments.services.progress import advance_progress, end_progress, start_progress
from payments.transfer_file import ParsedReturn, parse_bank_return

#: Lines settled per transaction (as for the constitution: fixed costs spread over many claims).
CHUNK = 20000
STEP_SETTLING = "intégration du retour banque"
#: ISO 20022 reason codes a bank gives for a rejected credit transfer (ExternalStatusReason1Code).
BANK_REASONS = {
    "AC01": "numéro de compte incorrect",
    "AC04": "compte clôturé",
    "AC06": "compte bloqué",
    "AG01": "opération interdite sur ce compte",
    "BE01": "le nom ne correspond pas au titulaire du compte",
    "MD07": "titulaire du compte décédé",
    "MS03": "motif non communiqué par la banque",
    "RC01": "code banque incorrect",
}
MSG_UNREADABLE = "Fichier de retour illisible : {error}"
MSG_OTHER_ORDER = "Ce retour ne répond pas à l'ordre de virement de ce bordereau ({number}, empreinte {sha})."
MSG_UNKNOWN = "Le virement {ref} n'est pas dans l'ordre de virement de ce bordereau."
MSG_AMOUNT = "Le virement {ref} est de {expected} DH dans l'ordre, le retour dit {read} DH."
MSG_TWICE = "Le virement {ref} figure deux fois dans le fichier."
MSG_CONTRADICTS = "Le virement {ref} a déjà reçu une réponse différente de la banque : fichier refusé."
REASON_PAID = "Virement exécuté par la banque (bordereau {number})."
REASON_REJECTED = "Virement rejeté par la banque : {reason}."


@dataclass(frozen=True)
class _Expected:
    line_id: int
    payer: str
    amount: Decimal


def expected_transfers(bordereau: Bordereau) -> dict[str, _Expected]:
    """Transfer id -> what the order asked, for every transfer of the bordereau's order."""
    expected = {}
    lines = (bordereau.lines.exclude(state=LineState.WITHDRAWN)
             .values_list("pk", "reference", "amo", "complementary").iterator(chunk_size=10000))
    for pk, reference, amo, complementary in lines:
        if amo > 0:
            expected[f"{reference}-{Payer.AMO}"] = _Expected(pk, Payer.AMO, amo)
        if complementary > 0:
            expected[f"{reference}-{Payer.COMPLEMENTARY}"] = _Expected(pk, Payer.COMPLEMENTARY, complementary)
    return expected


def _parse(bordereau: Bordereau, content: bytes) -> ParsedReturn:
    try:
        parsed = parse_bank_return(content)
    except TransferFileError as error:
        raise BankReturnRejected(MSG_UNREADABLE.format(error=error)) from None
    order = bordereau.transfer_order
    if parsed.bordereau_number != bordereau.number or parsed.order_sha256 != order.sha256:
        raise BankReturnRejected(MSG_OTHER_ORDER.format(number=bordereau.number, sha=order.sha256[:12]))
    return parsed


#: Columns of a recorded bank result, in the order of the tuples of `_new_results`.
RESULT_COLUMNS = ("line_id", "payer", "accepted", "amount", "reason_code", "reason", "booked_on", "bank_return_id")


def _new_results(parsed: ParsedReturn, bordereau: Bordereau) -> list[tuple]:
    """The results not recorded yet (as RESULT_COLUMNS without the return's id), each checked
    against the order and against earlier answers."""
    expected = expected_transfers(bordereau)
    known = {(line_id, payer): accepted for line_id, payer, accepted in
             BankReturnLine.objects.filter(line__bordereau=bordereau).values_list("line_id", "payer", "accepted")}
    seen: set[str] = set()
    new = []
    for result in parsed.results:
        wanted = expected.get(result.transfer_id)
        if wanted is None:
            raise BankReturnRejected(MSG_UNKNOWN.format(ref=result.transfer_id))
        if result.amount != wanted.amount:
            raise BankReturnRejected(MSG_AMOUNT.format(ref=result.transfer_id, expected=wanted.amount,
                                                       read=result.amount))
        if result.transfer_id in seen:
            raise BankReturnRejected(MSG_TWICE.format(ref=result.transfer_id))
        seen.add(result.transfer_id)
        earlier = known.get((wanted.line_id, wanted.payer))
        if earlier is not None and earlier != result.accepted:
            raise BankReturnRejected(MSG_CONTRADICTS.format(ref=result.transfer_id))
        if earlier is None:
            reason = result.reason or BANK_REASONS.get(result.reason_code, "")
            new.append((wanted.line_id, wanted.payer, result.accepted, result.amount, result.reason_code,
                        reason[:200], result.booked_on or (parsed.processed_on if result.accepted else None)))
    return new


def import_bank_return(*, bordereau: Bordereau, content: bytes, file_name: str, by) -> BankReturn:
    """Record a bank return file for a bordereau whose order was issued, then settle in the background."""
    sha = hashlib.sha256(content).hexdigest()
    existing = BankReturn.objects.filter(bordereau=bordereau, sha256=sha).first()
    if existing is not None:
        return existing
    if bordereau.status not in (BordereauStatus.SENT, BordereauStatus.SETTLED):
        raise BordereauStateError(bordereau=bordereau, action="y intégrer un retour banque")
    parsed = _parse(bordereau, content)
    with transaction.atomic(durable=True):
        locked = lock_bordereau(bordereau.pk)  # imports of one bordereau take turns
        existing = BankReturn.objects.filter(bordereau=locked, sha256=sha).first()
        if existing is not None:
            return existing
        results = _new_results(parsed, locked)
        bank_return = BankReturn(
            bordereau=locked, file_name=file_name[:200], sha256=sha, processed_on=parsed.processed_on, imported_by=by,
            accepted_count=sum(1 for r in parsed.results if r.accepted),
            rejected_count=sum(1 for r in parsed.results if not r.accepted),
            accepted_total=sum((r.amount for r in parsed.results if r.accepted), ZERO),
            rejected_total=sum((r.amount for r in parsed.results if not r.accepted), ZERO),
        )
        bank_return.file.save(f"RB-{locked.number}-{sha[:12]}.txt", ContentFile(content), save=False)
        bank_return.save()
        insert_tuples(BankReturnLine, RESULT_COLUMNS, [(*r, bank_return.pk) for r in results])
        if results:
            start_progress(bordereau_id=locked.pk, step=STEP_SETTLING, total=len({r[0] for r in results}))
            from payments.tasks import settle_bordereau_task

            settle_bordereau_task.delay_on_commit(locked.pk)
    return bank_return


@dataclass(slots=True)
class _Settled:
    """A line as the settlement writes it back."""

    pk: int
    claim_id: int
    state: str = LineState.PAID
    amo_paid: Decimal = ZERO
    complementary_paid: Decimal = ZERO
    paid_on: date | None = None
    reason_code: str = ""
    reason: str = ""


def _outcome(pk: int, claim_id: int, amo: Decimal, complementary: Decimal, answers: dict[str, tuple]) -> _Settled:
    """The line's paid shares, state, date and bank reason from the bank's answers
    (answers: payer -> (accepted, reason code, reason, booked on))."""
    line = _Settled(pk, claim_id)
    by_amo, by_complementary = answers.get(Payer.AMO), answers.get(Payer.COMPLEMENTARY)
    line.amo_paid = amo if by_amo is not None and by_amo[0] else ZERO
    line.complementary_paid = complementary if by_complementary is not None and by_complementary[0] else ZERO
    refused = [a for a in (by_amo, by_complementary) if a is not None and not a[0]]
    if refused:
        line.state, line.reason_code, line.reason = LineState.BANK_REJECTED, refused[0][1], refused[0][2]
    else:
        line.paid_on = max(a[3] for a in (by_amo, by_complementary) if a is not None)
    return line


def settle_bordereau(*, bordereau_id: int, limit: int = CHUNK) -> tuple[int, bool]:
    """Apply the bank's answers to the next chunk of lines and their claims; returns (settled, maybe_more)."""
    with transaction.atomic(durable=True):
        bordereau = Bordereau.objects.only("id", "number", "status", "executed_by_id").get(pk=bordereau_id)
        if bordereau.status != BordereauStatus.SENT:
            return 0, False
        rows = list(lines_to_settle(bordereau_id=bordereau_id, limit=limit)
                    .values_list("pk", "claim_id", "amo", "complementary"))
        if rows:
            answers: dict[int, dict[str, tuple]] = defaultdict(dict)
            for line_id, payer, *answer in (BankReturnLine.objects.filter(line_id__in=[r[0] for r in rows])
                                            .values_list("line_id", "payer", "accepted", "reason_code", "reason",
                                                         "booked_on")):
                answers[line_id][payer] = tuple(answer)
            lines = [_outcome(*row, answers[row[0]]) for row in rows]
            update_columns(BordereauLine, [line.pk for line in lines], {
                "state": [line.state for line in lines], "amo_paid": [line.amo_paid for line in lines],
                "complementary_paid": [line.complementary_paid for line in lines],
                "paid_on": [line.paid_on for line in lines], "bank_reason_code": [line.reason_code for line in lines],
                "bank_reason": [line.reason for line in lines]})
            _move_claims(lines, bordereau)
    if rows:
        advance_progress(bordereau_id=bordereau_id, done=len(rows))
    more = len(rows) == limit
    if not more:
        close_if_settled(bordereau_id=bordereau_id)
    return len(rows), more


def _move_claims(lines: list[_Settled], bordereau: Bordereau) -> None:
    """Claims of settled lines: "payé", or "virement rejeté" with the bank's reason (one set-based
    move per outcome). Nobody else moves a claim that is in a bordereau: the line lock suffices."""
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for line in lines:
        if line.state == LineState.PAID:
            key = (ClaimStatus.PAID, "virement_execute", REASON_PAID.format(number=bordereau.number))
        else:
            key = (ClaimStatus.PAYMENT_REJECTED, f"banque_{line.reason_code}",
                   REASON_REJECTED.format(reason=line.reason or line.reason_code))
        groups[key].append(line.claim_id)
    for (to, code, reason), claim_ids in groups.items():
        transition_ids(claim_ids=claim_ids, from_status=ClaimStatus.IN_BATCH, to=to, by=bordereau.executed_by_id,
                       reason_code=code, reason=reason)


def close_if_settled(*, bordereau_id: int) -> bool:
    """Once no line waits for the bank any more, the bordereau is settled."""
    with transaction.atomic():
        bordereau = lock_bordereau(bordereau_id)
        if bordereau.status != BordereauStatus.SENT:
            return bordereau.status == BordereauStatus.SETTLED
        if bordereau.lines.filter(state=LineState.PENDING).exists():
            return False
        bordereau.status = BordereauStatus.SETTLED
        bordereau.settled_at = timezone.now()
        bordereau.save(update_fields=["status", "settled_at", "updated_at"])
    end_progress(bordereau_id=bordereau_id)
    return True


def settlement_totals(bordereau: Bordereau) -> dict:
    """What the bank paid and refused so far, per payer (for the review page and the dashboard)."""
    return bordereau.lines.aggregate(
        paid_count=Count("id", filter=Q(state=LineState.PAID)),
        rejected_count=Count("id", filter=Q(state=LineState.BANK_REJECTED)),
        amo_paid=Sum("amo_paid"), complementary_paid=Sum("complementary_paid"),
    )
