"""Execution of an approved bordereau: its transfer order file (docs/transfer-file.md), produced
once, and the approved bordereau PDF of that order, each with its SHA-256 recorded.

Both files are written from the lines outside any lock (an approved bordereau's lines no longer
change), by two tasks that can run side by side; the bordereau row is locked only to record
them. Two workers executing at once both write, one records, the other finds the file already
there and drops its copy. The PDF's first page names the order's file, hash and debited accounts,
so it is finished only once the order is on record (archive_bordereau_pdf). The order is
deterministic (dated by the approval), so a re-run writes the very same bytes. The order file is
streamed: the lines are read payer by payer and the records written to a temporary file (and
hashed) as they come, never held in memory together.
"""
import hashlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from amo_portal.money import ZERO
from beneficiaries.validators import rib_to_iban
from mutuelles.payer_accounts import validate_payer_iban
from payments.bordereau_pdf import BordereauSummary, Signature, render_bordereau_pdf
from payments.events import Event, Happened, announce
from payments.exceptions import BordereauStateError, PayerAccountMissing
from payments.lock_objects import lock_bordereau
from payments.models import Bordereau, BordereauStatus, LineState, Payer, TransferOrder
from payments.pain001 import write_pain001
from payments.services.progress import end_progress, record_job_error, start_progress
from payments.transfer_file import OrderHeader, Section, SectionHead, Transfer, stream_transfer_order
from payments.workflow import transition_bordereau

STEP_EXECUTING = "émission de l'ordre de virement"
MSG_NO_ACCOUNT = ("Le compte payeur (IBAN) {whose} n'est pas renseigné ou invalide : renseignez-le "
                  "puis relancez l'exécution.")
LABELS = {Payer.AMO: "REMBOURSEMENT AMO {fund} DOSSIER {claim}",
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


def payment_rows(bordereau: Bordereau) -> Iterator[tuple]:
    """(reference, payee, patient, RIB, AMO, complementary) of every line not withdrawn, in order."""
    return (bordereau.lines.exclude(state=LineState.WITHDRAWN).order_by("pk")
            .values_list("reference", "payee_name", "patient_name", "rib", "amo", "complementary")
            .iterator(chunk_size=10000))


def account_label(iban: str, *, demo: bool) -> str:
    """A debited account as the PDF prints it: a demonstration account says so (load_demo_data)."""
    return f"{iban} (compte de DÉMONSTRATION)" if iban and demo else iban


def bordereau_summary(bordereau: Bordereau, order: TransferOrder | None = None) -> BordereauSummary:
    def name(user) -> str:
        return (user.get_full_name() or user.username) if user else ""

    def local(moment):
        return timezone.localtime(moment) if moment else None

    return BordereauSummary(
        number=bordereau.number, mutuelle=f"{bordereau.mutuelle.code} — {bordereau.mutuelle.name_fr}",
        fund=f"{bordereau.fund.code} — {bordereau.fund.name_fr}", period_start=bordereau.period_start,
        period_end=bordereau.period_end, line_count=bordereau.line_count, total_amo=bordereau.total_amo,
        total_complementary=bordereau.total_complementary,
        amo_payer_account=account_label(bordereau.fund.iban, demo=bordereau.fund.iban_is_demo),
        complementary_payer_account=account_label(bordereau.mutuelle.iban, demo=bordereau.mutuelle.iban_is_demo),
        status=bordereau.get_status_display(),
        signatures=[
            Signature("Constitué par", name(bordereau.built_by), local(bordereau.built_at)),
            Signature("Présenté par (mutuelle)", name(bordereau.presented_by), local(bordereau.presented_at)),
            Signature("Approuvé par (organisme)", name(bordereau.approved_by), local(bordereau.approved_at)),
        ],
        approved=bordereau.approved_at is not None and bordereau.status != BordereauStatus.REJECTED,
        transfer_file=order.file_name if order else "", transfer_sha256=(order.sha256 or "") if order else "",
    )


def render_pdf(bordereau: Bordereau, order: TransferOrder | None = None) -> bytes:
    return render_bordereau_pdf(bordereau_summary(bordereau, order), payment_rows(bordereau))


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
    return OrderHeader(bordereau.number, approved_at.replace(microsecond=0), approved_at.date(),
                       bordereau.fund.code, bordereau.mutuelle.code)


def order_parts(bordereau: Bordereau) -> tuple[OrderHeader, list[Section]]:
    """The order's header and its two payer sections, in memory (the pain.001 download)."""
    heads, ibans = transfer_heads(bordereau, *payer_accounts(bordereau)), {}
    return order_header(bordereau), [Section(head.payer, head.payer_name, head.payer_iban,
                                             list(transfers(bordereau, head.payer, ibans))) for head in heads]


def render_pain001(bordereau: Bordereau) -> bytes:
    """The same order as an ISO 20022 pain.001 message (payments/pain001.py)."""
    return write_pain001(*order_parts(bordereau))


def write_transfer_order_to(bordereau: Bordereau, out: BinaryIO) -> tuple[str, int]:
    """Stream the transfer order file into `out`; returns (SHA-256, number of transfers)."""
    heads, ibans = transfer_heads(bordereau, *payer_accounts(bordereau)), {}
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


#: How long the archive, its lines drawn, waits for the transfer order being written beside it:
#: 100,000 lines take a few seconds; the order's own task records a failure at once.
ORDER_WAIT_SECONDS = 120.0
ORDER_POLL_SECONDS = 0.1


class StopDrawing(Exception):  # noqa: N818 (a signal between two functions of this module, not an error)
    """The archive being drawn is not to be finished: no transfer order on record (it would be
    stale), or another worker recorded the archive of the order meanwhile."""


def wait_for_order(bordereau_id: int, *, timeout: float = ORDER_WAIT_SECONDS) -> TransferOrder:
    """The bordereau's transfer order, waiting while its execution runs (another worker process);
    StopDrawing when it is not running (not started, or stopped on a missing account)."""
    deadline = time.monotonic() + timeout
    while True:
        order = TransferOrder.objects.filter(bordereau_id=bordereau_id).first()
        if order is not None:
            return order
        running = Bordereau.objects.filter(pk=bordereau_id, progress_step=STEP_EXECUTING).exists()
        if not running or time.monotonic() >= deadline:
            raise StopDrawing
        time.sleep(ORDER_POLL_SECONDS)


def archive_name(bordereau: Bordereau, order: TransferOrder) -> str:
    """The archive's file name carries the order's hash: an archive made before the order (or from
    another) is told from the current one by its name."""
    return f"{bordereau.number}-{order.sha256[:16]}.pdf"


def is_current_archive(bordereau: Bordereau, order: TransferOrder | None) -> bool:
    return (order is not None and bool(bordereau.bordereau_pdf) and bool(bordereau.bordereau_pdf_sha256)
            and Path(bordereau.bordereau_pdf.name).name.startswith(archive_name(bordereau, order)[:-4]))


def _archive_summary(bordereau_id: int) -> BordereauSummary:
    """The first page's facts as they stand once the order is recorded: its debited accounts, its
    file and hash, the bordereau's status (read again)."""
    order = wait_for_order(bordereau_id)
    bordereau = Bordereau.objects.select_related("mutuelle", "fund", "built_by", "presented_by",
                                                 "approved_by").get(pk=bordereau_id)
    if is_current_archive(bordereau, order):
        raise StopDrawing  # the task queued by the order's recording, started while another finished
    return replace(bordereau_summary(bordereau, order),
                   amo_payer_account=account_label(order.debtor_amo_iban, demo=bordereau.fund.iban_is_demo),
                   complementary_payer_account=account_label(order.debtor_complementary_iban,
                                                             demo=bordereau.mutuelle.iban_is_demo))


def archive_bordereau_pdf(*, bordereau_id: int) -> str:
    """Render the approved bordereau PDF of the issued transfer order and keep it with its SHA-256.

    The lines are drawn beside the order (another worker process), the first page's facts last,
    from the order once recorded (bordereau_pdf.py). Without an order nothing is archived, never a
    PDF with blank accounts or no hash: recording the order queues this again. An archive of no
    order or of another (a stale one) is replaced; the current one is kept as it is. Returns the
    archive's name, or "" when there is no order to archive yet."""
    bordereau = Bordereau.objects.select_related("mutuelle", "fund", "built_by", "presented_by",
                                                 "approved_by").get(pk=bordereau_id)
    if is_current_archive(bordereau, TransferOrder.objects.filter(bordereau_id=bordereau_id).first()):
        return bordereau.bordereau_pdf.name
    return _draw_archive(bordereau)


def _draw_archive(bordereau: Bordereau) -> str:
    bordereau_id = bordereau.pk
    if bordereau.approved_at is None or bordereau.status == BordereauStatus.REJECTED:
        raise BordereauStateError(bordereau=bordereau, action="archiver son bordereau approuvé")
    try:
        pdf = render_bordereau_pdf(bordereau_summary(bordereau), payment_rows(bordereau),
                                   finish=lambda: _archive_summary(bordereau_id))
    except StopDrawing:
        bordereau.refresh_from_db(fields=["bordereau_pdf", "bordereau_pdf_sha256"])
        order = TransferOrder.objects.filter(bordereau_id=bordereau_id).first()
        return bordereau.bordereau_pdf.name if is_current_archive(bordereau, order) else ""
    return record_archive(bordereau_id=bordereau_id, pdf=pdf)


@transaction.atomic(durable=True)
def record_archive(*, bordereau_id: int, pdf: bytes) -> str:
    locked = lock_bordereau(bordereau_id)
    order = TransferOrder.objects.get(bordereau_id=bordereau_id)
    if is_current_archive(locked, order):
        return locked.bordereau_pdf.name  # another worker got there first
    stale = locked.bordereau_pdf.name
    locked.bordereau_pdf.save(archive_name(locked, order), ContentFile(pdf), save=False)
    locked.bordereau_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    locked.save(update_fields=["bordereau_pdf", "bordereau_pdf_sha256", "updated_at"])
    if stale:
        storage = locked.bordereau_pdf.storage
        transaction.on_commit(lambda: storage.delete(stale))
    return locked.bordereau_pdf.name
