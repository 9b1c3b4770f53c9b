"""Family-change requests built the way the portal builds them: a declaration with its document,
checked by amo_portal.documents, filed through the service."""
import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from amo_portal.documents import check_document
from beneficiaries.family_documents import REQUIRED_DOCUMENT
from beneficiaries.models import Dependent, Insured, RightsMaintenance, StudyCertificate
from beneficiaries.models_family import FamilyChangeEvent, FamilyChangeRequest
from beneficiaries.services.family_changes import file_family_change
from beneficiaries.services.family_checks import FamilyChangeInput


def today() -> date:
    return timezone.localdate()


def png_bytes(seed: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color=(seed % 256, (seed * 7) % 256, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(seed: int = 0, name: str = "acte.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(seed), content_type="image/png")


def pieces(kind: str, seed: int = 0) -> list:
    """The document the kind requires, checked as an upload is."""
    return [(REQUIRED_DOCUMENT[kind], check_document(upload(seed)))]


def declare(insured: Insured, kind: str, *, documents=None, seed: int = 0, **fields) -> FamilyChangeRequest:
    return file_family_change(insured=insured, data=FamilyChangeInput(kind=kind, **fields),
                              documents=pieces(kind, seed) if documents is None else documents, by=insured.user)


def newborn(**overrides) -> dict:
    values = {"first_name": "Lina", "last_name": "Alaoui", "birth_date": today() - timedelta(days=12), "sex": "F"}
    return {**values, **overrides}


def registry_state() -> dict:
    """Everything a request may write: nothing of it may change when a request is refused or bad."""
    return {
        "dependents": list(Dependent.objects.order_by("pk").values_list("pk", "registered_on", "ended_on", "disabled",
                                                                        "updated_at")),
        "certificates": list(StudyCertificate.objects.order_by("pk").values_list("pk", "valid_from")),
        "maintenances": list(RightsMaintenance.objects.order_by("pk").values_list("pk", "decision_number")),
        "requests": list(FamilyChangeRequest.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "events": FamilyChangeEvent.objects.count(),
    }
