"""Execution of an approved bordereau: its transfer order file (docs/transfer-file.md) and the
approved bordereau PDF, each produced once, with its SHA-256 recorded.

Both files are written from the lines outside any lock (an approved bordereau's lines no longer
change), by two tasks that can run side by side; the bordereau row is locked only to record
them. Two workers executing at once both write, one records, the other finds the file already
there and drops its copy. The order is deterministic (dated by the approval), so a re-run writes
the very same bytes.
"""
import hashlib
import re
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from beneficiaries.validators import rib_to_iban
from payments.bordereau_pdf import BordereauSummary, Signature, render_bordereau_pdf
from payments.exceptions import BordereauStateError, PayerAccountMissing
from payments.lock_objects import lock_bordereau
from payments.models import Bordereau, BordereauStatus, LineState, Payer, TransferOrder
from payments.pain001 import write_pain001
from payments.services.progress import end_progress, record_job_error, start_progress
from payments.transfer_file import OrderHeader, Section, Transfer, write_transfer_order

STEP_EXECUTING = "émission de l'ordre de virement"
MSG_NO_ACCOUNT = ("Le compte payeur (IBAN) {whose} n'est pas renseigné ou invalide : renseignez-le "
                  "puis relancez l'exécution.")
_IBAN = re.compile(r"^MA\d{26}$")
LABELS = {Payer.AMO: "REMBOURSEMENT AMO {fund} DOSSIER {claim}",
          Payer.COMPLEMENTARY: "REMBOURSEMENT COMPLEMENTAIRE {mutuelle} DOSSIER {claim}"}


def payer_accounts(bordereau: Bordereau) -> tuple[str, str]:
    """(organisme's IBAN, mutuelle's IBAN), or PayerAccountMissing naming the one missing."""
    amo = re.sub(r"\s", "", bordereau.fund.iban or "").upper()
    complementary = re.sub(r"\s", "", bordereau.mutuelle.iban or "").upper()
    if not _IBAN.match(amo):
        raise PayerAccountMissing(MSG_NO_ACCOUNT.format(whose=f"de l'organisme {bordereau.fund}"))
    if not _IBAN.match(complementary):
        raise PayerAccountMissing(MSG_NO_ACCOUNT.format(whose=f"de la mutuelle {bordereau.mutuelle}"))
    return amo, complementary


def payment_rows(bordereau: Bordereau) -> Iterator[tuple]:
    """(reference, payee, patient, RIB, AMO, complementary) of every line not withdrawn, in order."""
    return (bordereau.lines.exclude(state=LineState.WITHDRAWN).order_by("pk")
            .values_list("reference", "payee_name", "patient_name", "rib", "amo", "complementary")
            .iterator(chunk_size=10000))


def bordereau_summary(bordereau: Bordereau, order: TransferOrder | None = None) -> BordereauSummary:
    def name(user) -> str:
        return (user.get_full_name() or user.username) if user else ""

    def local(moment):
        return timezone.localtime(moment) if moment else None

    return BordereauSummary(
        number=bordereau.number, mutuelle=f"{bordereau.mutuelle.code} — {bordereau.mutuelle.name_fr}",
        fund=f"{bordereau.fund.code} — {bordereau.fund.name_fr}", period_start=bordereau.period_start,
        period_end=bordereau.period_end, line_count=bordereau.line_count, total_amo=bordereau.total_amo,
        total_complementary=bordereau.total_complementary, amo_payer_account=bordereau.fund.iban,
        complementary_payer_account=bordereau.mutuelle.iban, status=bordereau.get_status_display(),
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


def transfer_sections(bordereau: Bordereau, amo_iban: str, complementary_iban: str) -> list[Section]:
    amo: list[Transfer] = []
    complementary: list[Transfer] = []
    fund, mutuelle = bordereau.fund.code, bordereau.mutuelle.code
    lines = (bordereau.lines.filter(state=LineState.PENDING).order_by("pk")
             .values_list("reference", "rib", "payee_name", "claim_number", "amo", "complementary")
             .iterator(chunk_size=10000))
    for reference, rib, payee, claim, amo_share, complementary_share in lines:
        iban = rib_to_iban(rib)
        if amo_share > 0:
            amo.append(Transfer(f"{reference}-{Payer.AMO}", rib, iban, payee, amo_share, claim,
                                LABELS[Payer.AMO].format(fund=fund, claim=claim)))
        if complementary_share > 0:
            complementary.append(Transfer(f"{reference}-{Payer.COMPLEMENTARY}", rib, iban, payee, complementary_share,
                                          claim, LABELS[Payer.COMPLEMENTARY].format(mutuelle=mutuelle, claim=claim)))
    return [Section(Payer.AMO, bordereau.fund.name_fr, amo_iban, amo),
            Section(Payer.COMPLEMENTARY, bordereau.mutuelle.name_fr, complementary_iban, complementary)]


def order_parts(bordereau: Bordereau) -> tuple[OrderHeader, list[Section]]:
    """The order's header (dated by the approval) and its two payer sections."""
    amo_iban, complementary_iban = payer_accounts(bordereau)
    approved_at = timezone.localtime(bordereau.approved_at)
    header = OrderHeader(bordereau.number, approved_at.replace(microsecond=0), approved_at.date(),
                         bordereau.fund.code, bordereau.mutuelle.code)
    return header, transfer_sections(bordereau, amo_iban, complementary_iban)


def render_transfer_order(bordereau: Bordereau) -> bytes:
    return write_transfer_order(*order_parts(bordereau))


def render_pain001(bordereau: Bordereau) -> bytes:
    """The same order as an ISO 20022 pain.001 message (payments/pain001.py)."""
    return write_pain001(*order_parts(bordereau))


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
    try:
        content = render_transfer_order(bordereau)
    except PayerAccountMissing as error:
        record_job_error(bordereau_id=bordereau_id, message=error.message)
        raise
    order = TransferOrder(bordereau=bordereau, file_name=order_file_name(bordereau),
                          sha256=hashlib.sha256(content).hexdigest(), created_by=by,
                          transfer_count=content.count(b"\r\nVI;"))
    order = record_transfer_order(order=order, content=content)
    end_progress(bordereau_id=bordereau_id)
    return order


def order_file_name(bordereau: Bordereau) -> str:
    return f"OV-{bordereau.number}.txt"


@transaction.atomic(durable=True)
def record_transfer_order(*, order: TransferOrder, content: bytes) -> TransferOrder:
    bordereau = lock_bordereau(order.bordereau_id)
    existing = TransferOrder.objects.filter(bordereau_id=bordereau.pk).first()
    if existing is not None:
        return existing  # another worker got there first: its file is the one on record
    if bordereau.status != BordereauStatus.APPROVED:
        raise BordereauStateError(bordereau=bordereau, action="émettre son ordre de virement")
    order.debtor_amo_iban, order.debtor_complementary_iban = payer_accounts(order.bordereau)
    order.total_amo, order.total_complementary = bordereau.total_amo, bordereau.total_complementary
    order.total = bordereau.total_amo + bordereau.total_complementary
    order.file.save(order.file_name, ContentFile(content), save=False)
    order.save()
    bordereau.status = BordereauStatus.SENT
    bordereau.executed_by = order.created_by
    bordereau.executed_at = timezone.now()
    bordereau.save(update_fields=["status", "executed_by", "executed_at", "updated_at"])
    return order


def archive_bordereau_pdf(*, bordereau_id: int) -> str:
    """Render the approved bordereau PDF and keep it with its SHA-256, once. Rendered beside the
    transfer order (another worker process), it names the order's file; its hash is printed
    when the order is already recorded."""
    bordereau = Bordereau.objects.select_related("mutuelle", "fund", "built_by", "presented_by",
                                                 "approved_by").get(pk=bordereau_id)
    if bordereau.bordereau_pdf:
        return bordereau.bordereau_pdf.name
    if bordereau.approved_at is None or bordereau.status == BordereauStatus.REJECTED:
        raise BordereauStateError(bordereau=bordereau, action="archiver son bordereau approuvé")
    order = TransferOrder.objects.filter(bordereau_id=bordereau_id).first()
    pdf = render_pdf(bordereau, order or TransferOrder(file_name=order_file_name(bordereau)))
    with transaction.atomic(durable=True):
        locked = lock_bordereau(bordereau_id)
        if not locked.bordereau_pdf:
            locked.bordereau_pdf.save(f"{locked.number}.pdf", ContentFile(pdf), save=False)
            locked.bordereau_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            locked.save(update_fields=["bordereau_pdf", "bordereau_pdf_sha256", "updated_at"])
    return locked.bordereau_pdf.name
