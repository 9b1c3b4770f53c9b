"""Execution of an approved bordereau: its transfer order file (docs/transfer-file.md), produced
once, with its SHA-256 recorded; the approved bordereau PDF of that order is services.archive.

Both files are written from the lines outside any lock (an approved bordereau's lines no longer
change), by two tasks that can run side by side; the bordereau row is locked only to record
them. Two workers executing at once both write, one records, the other finds the file already
there and drops its copy. The PDF's first page names the order's file, hash and debited accounts,
so it is finished only once the order is on record (archive.archive_bordereau_pdf). The order is
deterministic (dated by the approval), so a re-run writes the very same bytes. The order file is
streamed: the lines are read payer by payer and the records written to a temporary file (and
hashed) as they come, never held in memory together.
"""
import hashlib
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from amo_portal.money import ZERO
from beneficiaries.validators import rib_to_iban
from mutuelles.payer_accounts import validate_payer_iban
from payments.events import Event, Happened, announce
from payments.exceptions import BordereauStateError, PayerAccountMissing
from payments.lock_objects import lock_bordereau
from payments.models import Bordereau, BordereauStatus, LineState, Payer, TransferOrder
from payments.pain001 import write_pain001
from payments.selectors import required_number
from payments.services.progress import end_progress, record_job_error, start_progress
from payments.transfer_file import OrderHeader, Section, SectionHead, Transfer, stream_transfer_order
from payments.workflow import transition_bordereau

STEP_EXECUTING = "émission de l'ordre de virement"
MSG_NO_ACCOUNT = ("Le compte payeur (IBAN) {whose} n'est pas renseigné ou invalide : renseignez-le "
                  "puis relancez l'exécution.")
LABELS: dict[str, str] = {Payer.AMO: "REMBOURSEMENT AMO {fund} DOSSIER {claim}",
                          Payer.COMPLEMENTARY: "REMBOURSEMENT COMPLEMENTAIRE {mutuelle} DOSSIER {claim}"}


def payer_accounts(bordereau: Bordereau) -> tuple[str, str]:
    """(organisme's IBAN, mutuelle's IBAN), each valid by its check digits and its RIB key
    (mutuelles.payer_accounts.validate_payer_iban), or PayerAccountMissing naming the one missing."""
    accounts = []
    for iban, whose in ((bordereau.fund.iban, f"de l'organisme {bordereau.fund}"),
                        (bordereau.mutuelle.iban, f"de la mutuelle {bordereau.mutuelle}")):
        try:
            accounts.append(validate_payer_iban(iban or ""))
        except ValidationError:
            raise PayerAccountMissing(MSG_NO_ACCOUNT.format(whose=whose)) from None
    return accounts[0], accounts[1]


def transfer_heads(bordereau: Bordereau, amo_iban: str, complementary_iban: str) -> list[SectionHead]:
    """Each payer's section as announced in the order: how many transfers, for how much (SQL sums)."""
    totals = bordereau.lines.filter(state=LineState.PENDING).aggregate(
        amo_count=Count("id", filter=Q(amo__gt=0)), amo=Sum("amo"),
        complementary_count=Count("id", filter=Q(complementary__gt=0)), complementary=Sum("complementary"))
    return [SectionHead(Payer.AMO, bordereau.fund.name_fr, amo_iban, totals["amo_count"], totals["amo"] or ZERO),
            SectionHead(Payer.COMPLEMENTARY, bordereau.mutuelle.name_fr, complementary_iban,
                        totals["complementary_count"], totals["complementary"] or ZERO)]


def transfers(bordereau: Bordereau, payer: str, ibans: dict[str, str]) -> Iterator[Transfer]:
    """One payer's transfers, read as they are written (one line of the bordereau each, in order).
    `ibans` keeps the IBAN of each RIB met (both payers pay the same RIBs, an insured person several claims)."""
    share = "amo" if payer == Payer.AMO else "complementary"
    label = LABELS[payer].format(fund=bordereau.fund.code, mutuelle=bordereau.mutuelle.code, claim="")
    suffix = f"-{payer}"
    lines = (bordereau.lines.filter(state=LineState.PENDING, **{f"{share}__gt": 0}).order_by("pk")
             .values_list("reference", "rib", "payee_name", share, "claim_number").iterator(chunk_size=10000))
    for reference, rib, payee, amount, claim in lines:
        iban = ibans.get(rib)
        if iban is None:
            iban = ibans[rib] = rib_to_iban(rib)
        yield Transfer(reference + suffix, rib, iban, payee, amount, claim, label + claim)


def order_header(bordereau: Bordereau) -> OrderHeader:
    """The order's header, dated by the approval (the same order is the same bytes)."""
    approved_at = timezone.localtime(bordereau.approved_at)
    return OrderHeader(required_number(bordereau.number), approved_at.replace(microsecond=0), approved_at.date(),
                       bordereau.fund.code, bordereau.mutuelle.code)


def order_parts(bordereau: Bordereau) -> tuple[OrderHeader, list[Section]]:
    """The order's header and its two payer sections, in memory (the pain.001 download)."""
    heads = transfer_heads(bordereau, *payer_accounts(bordereau))
    ibans: dict[str, str] = {}
    return order_header(bordereau), [Section(head.payer, head.payer_name, head.payer_iban,
                                             list(transfers(bordereau, head.payer, ibans))) for head in heads]


def render_pain001(bordereau: Bordereau) -> bytes:
    """The same order as an ISO 20022 pain.001 message (payments/pain001.py)."""
    return write_pain001(*order_parts(bordereau))


def write_transfer_order_to(bordereau: Bordereau, out: BinaryIO) -> tuple[str, int]:
    """Stream the transfer order file into `out`; returns (SHA-256, number of transfers)."""
    heads = transfer_heads(bordereau, *payer_accounts(bordereau))
    ibans: dict[str, str] = {}
    digest = hashlib.sha256()
    for piece in stream_transfer_order(order_header(bordereau),
                                       [(head, transfers(bordereau, head.payer, ibans)) for head in heads]):
        digest.update(piece)
        out.write(piece)
    return digest.hexdigest(), sum(head.count for head in heads)


def execute_bordereau(*, bordereau_id: int, by) -> TransferOrder:
    """Issue the transfer order of an approved bordereau, once. The claims stay "dans un
    bordereau" until the bank's return says what was paid."""
    bordereau = Bordereau.objects.select_related("mutuelle", "fund").get(pk=bordereau_id)
    existing = TransferOrder.objects.filter(bordereau_id=bordereau_id).first()
    if existing is not None:
        return existing
    if bordereau.status != BordereauStatus.APPROVED:
        raise BordereauStateError(bordereau=bordereau, action="émettre son ordre de virement")
    start_progress(bordereau_id=bordereau_id, step=STEP_EXECUTING, total=bordereau.line_count)
    with tempfile.TemporaryFile() as spool:
        try:
            sha256, count = write_transfer_order_to(bordereau, spool)
        except PayerAccountMissing as error:
            record_job_error(bordereau_id=bordereau_id, message=error.message)
            raise
        spool.seek(0)
        order = TransferOrder(bordereau=bordereau, file_name=order_file_name(bordereau), sha256=sha256,
                              created_by=by, transfer_count=count)
        order = record_transfer_order(order=order, content=File(spool))
    end_progress(bordereau_id=bordereau_id)
    return order


def order_file_name(bordereau: Bordereau) -> str:
    return f"OV-{bordereau.number}.txt"


@transaction.atomic(durable=True)
def record_transfer_order(*, order: TransferOrder, content: File) -> TransferOrder:
    bordereau = lock_bordereau(order.bordereau_id)
    existing = TransferOrder.objects.filter(bordereau_id=bordereau.pk).first()
    if existing is not None:
        return existing  # another worker got there first: its file is the one on record
    if bordereau.status != BordereauStatus.APPROVED:
        raise BordereauStateError(bordereau=bordereau, action="émettre son ordre de virement")
    order.debtor_amo_iban, order.debtor_complementary_iban = payer_accounts(order.bordereau)
    order.total_amo, order.total_complementary = bordereau.total_amo, bordereau.total_complementary
    order.total = bordereau.total_amo + bordereau.total_complementary
    order.file.save(order.file_name, content, save=False)
    order.save()
    bordereau.executed_by = order.created_by
    bordereau.executed_at = timezone.now()
    transition_bordereau(bordereau=bordereau, to=BordereauStatus.SENT, by=order.created_by,
                         reason=f"Ordre de virement {order.file_name}", extra_fields=["executed_by", "executed_at"])
    # the PDF drawn beside the order waits for it; the archive that follows this is for when it
    # gave up (the order issued again after an account was fixed, or no worker free to draw it)
    announce(Event(Happened.ORDER_RECORDED, bordereau.pk))
    return order


