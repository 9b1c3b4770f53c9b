"""The bank's return: import the file (once), then a worker settles the claims (services.settlement).

Importing the same file twice records nothing new; a second file saying something else about a
transfer already answered is refused whole.
"""
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from amo_portal.bulk import copy_rows
from amo_portal.money import ZERO
from payments.events import Event, Happened, announce
from payments.exceptions import BankReturnRejected, BordereauStateError, TransferFileError
from payments.lock_objects import lock_bordereau
from payments.models import (
    BankReturn,
    BankReturnLine,
    Bordereau,
    BordereauStatus,
    LineState,
    Payer,
)
from payments.services.progress import start_progress
from payments.transfer_file import ParsedReturn, parse_bank_return

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


#: Where each payer's share sits in the tuples of expected_transfers.
SHARE_OF: dict[str, int] = {Payer.AMO: 1, Payer.COMPLEMENTARY: 2}  # a payer's letter -> its share's index


def expected_transfers(bordereau: Bordereau) -> dict[str, tuple[int, Decimal, Decimal]]:
    """Payment reference -> (line id, AMO share, complementary share) for every line of the
    bordereau's order: a transfer id is a reference and its payer's letter."""
    lines = (bordereau.lines.exclude(state=LineState.WITHDRAWN)
             .values_list("reference", "pk", "amo", "complementary").iterator(chunk_size=10000))
    return {reference: (pk, amo, complementary) for reference, pk, amo, complementary in lines}


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
    lines = expected_transfers(bordereau)
    known = {(line_id, payer): accepted for line_id, payer, accepted in
             BankReturnLine.objects.filter(line__bordereau=bordereau).values_list("line_id", "payer", "accepted")}
    seen: set[str] = set()
    new = []
    for result in parsed.results:
        reference, _, payer = result.transfer_id.rpartition("-")
        line, share = lines.get(reference), SHARE_OF.get(payer)
        if line is None or share is None or not line[share]:  # no such line, or nothing ordered for that payer
            raise BankReturnRejected(MSG_UNKNOWN.format(ref=result.transfer_id))
        wanted = line[share]
        if result.amount != wanted:
            raise BankReturnRejected(MSG_AMOUNT.format(ref=result.transfer_id, expected=wanted, read=result.amount))
        if result.transfer_id in seen:
            raise BankReturnRejected(MSG_TWICE.format(ref=result.transfer_id))
        seen.add(result.transfer_id)
        earlier = known.get((line[0], payer))
        if earlier is not None and earlier != result.accepted:
            raise BankReturnRejected(MSG_CONTRADICTS.format(ref=result.transfer_id))
        if earlier is None:
            reason = result.reason or BANK_REASONS.get(result.reason_code, "")
            new.append((line[0], payer, result.accepted, result.amount, result.reason_code,
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
        # Counts and totals are those of the answers this file brings: a file that repeats
        # transfers already answered (a second return, an overlapping one) adds nothing to them.
        accepted = [r for r in results if r[2]]
        bank_return = BankReturn(
            bordereau=locked, file_name=file_name[:200], sha256=sha, processed_on=parsed.processed_on, imported_by=by,
            accepted_count=len(accepted), rejected_count=len(results) - len(accepted),
            accepted_total=sum((r[3] for r in accepted), ZERO),
            rejected_total=sum((r[3] for r in results if not r[2]), ZERO),
            known_count=len(parsed.results) - len(results),
        )
        bank_return.file.save(f"RB-{locked.number}-{sha[:12]}.txt", ContentFile(content), save=False)
        bank_return.save()
        copy_rows(BankReturnLine, RESULT_COLUMNS, [(*r, bank_return.pk) for r in results])
        if results:
            start_progress(bordereau_id=locked.pk, step=STEP_SETTLING, total=len({r[0] for r in results}))
            announce(Event(Happened.RETURN_IMPORTED, locked.pk))
    return bank_return
