"""Claims are built the way production builds them: through the filing service."""
from datetime import date
from decimal import Decimal

from claims.services.intake import ClaimDraft, submit_claim
from claims.services.pricing import LineInput


def act(cotation: str, paid: str, quantity: int = 1, ald: bool = False, **kw) -> LineInput:
    return LineInput(kind="acte", cotation=cotation, amount_paid=Decimal(paid), quantity=quantity, ald_linked=ald, **kw)


def medicine(code: str, paid: str, quantity: int = 1, ald: bool = False) -> LineInput:
    return LineInput(kind="medicament", medicine_code=code, amount_paid=Decimal(paid), quantity=quantity,
                     ald_linked=ald)


def file_claim(*, insured, lines, by=None, dependent=None, care_date=date(2026, 2, 2), filed_on=None,
               documents=(), idempotency_key=None, **kw):
    draft = ClaimDraft(insured=insured, dependent=dependent, care_date=care_date,
                       prescriber_inpe=kw.pop("prescriber_inpe", "123456789"), lines=list(lines),
                       documents=list(documents), **kw)
    return submit_claim(draft=draft, by=by or insured.user, filed_on=filed_on or care_date,
                        idempotency_key=idempotency_key)


def image_document(seed: int = 0, name: str = "feuille.png"):
    """A small real PNG (distinct per seed), checked like an upload."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from amo_portal.documents import check_document

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color=(seed % 256, (seed // 256) % 256, 120)).save(buffer, format="PNG")
    return check_document(SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png"))


def with_document(seed: int = 0):
    return [("feuille_soins", image_document(seed))]
