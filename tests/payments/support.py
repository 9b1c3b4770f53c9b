"""Test support for payments: liquidated claims filed through the real services, payer accounts,
and the bank (outside the portal) reading a transfer order and answering with a return file."""
import re
import zlib
from datetime import date
from decimal import Decimal

from django.db import transaction

from mutuelles.models import AMOFund, Mutuelle
from payments.models import TransferOrder
from payments.transfer_file import TransferResult, parse_transfer_order, write_bank_return
from tests.factories.claims import act, file_claim, with_document

CNOPS_IBAN = "MA64011519000001205000534921"
MUTUELLE_IBAN = "MA64007780000123450000012369"


def set_payer_accounts() -> None:
    AMOFund.objects.filter(code="CNOPS").update(iban=CNOPS_IBAN)
    Mutuelle.objects.update(iban=MUTUELLE_IBAN)


def file_liquidated(insured, *, seed: int = 0, cotation: str = "Cs", paid: str = "250.00",
                    care_date: date = date(2026, 2, 2)):
    """A claim filed and liquidated the way production does it (eager worker, callbacks on commit)."""
    from claims.models import Claim

    with transaction.atomic():
        claim = file_claim(insured=insured, lines=[act(cotation, paid)], care_date=care_date,
                           documents=with_document(seed))
    return Claim.objects.get(pk=claim.pk)


def bank_answer(order: TransferOrder, *, rejected: dict[str, str] | None = None,
                processed_on: date = date(2026, 3, 2)) -> bytes:
    """The bank executes every transfer of the order except `rejected` (transfer id -> ISO reason)."""
    rejected = rejected or {}
    with order.file.open("rb") as handle:
        parsed = parse_transfer_order(handle.read())
    results = [TransferResult(t.transfer_id, t.transfer_id not in rejected, t.amount, rejected.get(t.transfer_id, ""),
                              "", None if t.transfer_id in rejected else processed_on)
               for t in parsed.transfers]
    return write_bank_return(bordereau_number=order.bordereau.number, order_sha256=order.sha256,
                             processed_on=processed_on, results=results)


def total(values) -> Decimal:
    return sum(values, Decimal("0.00"))


def pdf_text(content: bytes) -> str:
    """The text operators of every compressed stream of a PDF (enough to find what is printed)."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            chunks.append(zlib.decompressobj().decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(chunks)
