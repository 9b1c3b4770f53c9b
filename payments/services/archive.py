"""The approved bordereau PDF of a transfer order (payments/bordereau_pdf.py), archived once with its
SHA-256, and the same PDF drawn on demand.

The archive's lines are drawn beside the transfer order being written (services.execution, another
worker process); its first page's facts name the order's file, hash and debited accounts, so it is
finished only once the order is on record. Two workers archiving at once both draw, one records,
the other finds the archive already there and drops its copy.
"""
import hashlib
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from payments.bordereau_pdf import BordereauSummary, Signature, render_bordereau_pdf
from payments.exceptions import BordereauStateError
from payments.lock_objects import lock_bordereau
from payments.models import Bordereau, BordereauStatus, LineState, TransferOrder
from payments.selectors import required_number
from payments.services.execution import STEP_EXECUTING


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
        number=required_number(bordereau.number), mutuelle=f"{bordereau.mutuelle.code} — {bordereau.mutuelle.name_fr}",
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
            and Path(bordereau.bordereau_pdf.name or "").name.startswith(archive_name(bordereau, order)[:-4]))


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
        return bordereau.bordereau_pdf.name or ""
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
        return (bordereau.bordereau_pdf.name or "") if is_current_archive(bordereau, order) else ""
    return record_archive(bordereau_id=bordereau_id, pdf=pdf)


@transaction.atomic(durable=True)
def record_archive(*, bordereau_id: int, pdf: bytes) -> str:
    locked = lock_bordereau(bordereau_id)
    order = TransferOrder.objects.get(bordereau_id=bordereau_id)
    if is_current_archive(locked, order):
        return locked.bordereau_pdf.name or ""  # another worker got there first
    stale = locked.bordereau_pdf.name
    locked.bordereau_pdf.save(archive_name(locked, order), ContentFile(pdf), save=False)
    locked.bordereau_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    locked.save(update_fields=["bordereau_pdf", "bordereau_pdf_sha256", "updated_at"])
    if stale:
        storage = locked.bordereau_pdf.storage
        transaction.on_commit(lambda: storage.delete(stale))
    return locked.bordereau_pdf.name or ""
