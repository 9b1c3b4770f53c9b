"""The documents of a family-change request: which one each kind requires, how they are kept (checked
by amo_portal.documents, named by their hash), and how they are served: an image is shown inline under a
sandbox policy, a PDF is always a download (it may carry scripts, forms and links), never a page of
the portal's origin."""
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amo_portal.documents import CheckedDocument, stored_document_response
from beneficiaries.models_family import FamilyChangeDocument, FamilyChangeKind, FamilyChangeRequest
from beneficiaries.models_family import FamilyDocumentKind as D

#: The document each kind of request cannot go without.
REQUIRED_DOCUMENT = {
    FamilyChangeKind.BIRTH: D.BIRTH_CERTIFICATE,
    FamilyChangeKind.MARRIAGE: D.MARRIAGE_ACT,
    FamilyChangeKind.DIVORCE: D.DIVORCE_JUDGMENT,
    FamilyChangeKind.CUSTODY: D.CUSTODY_JUDGMENT,
    FamilyChangeKind.STUDIES: D.STUDY_CERTIFICATE,
    FamilyChangeKind.DISABILITY: D.MEDICAL_CERTIFICATE,
}
#: What the person reads next to the upload field (and in the error when it is missing).
DOCUMENT_LABELS = {
    D.BIRTH_CERTIFICATE: gettext_lazy("Acte de naissance"),
    D.MARRIAGE_ACT: gettext_lazy("Acte de mariage"),
    D.DIVORCE_JUDGMENT: gettext_lazy("Jugement de divorce"),
    D.CUSTODY_JUDGMENT: gettext_lazy("Jugement de garde"),
    D.STUDY_CERTIFICATE: gettext_lazy("Certificat d'études supérieures de l'année"),
    D.MEDICAL_CERTIFICATE: gettext_lazy("Certificat médical du handicap"),
    D.OTHER: gettext_lazy("Autre pièce"),
}
#: The required document, and one more at most (a CNIE, a livret de famille...).
MAX_DOCUMENTS = 2


def document_label(kind: str) -> str:
    return str(DOCUMENT_LABELS.get(kind, kind))


def check_documents_given(kind: str, documents: Sequence[tuple[str, CheckedDocument]]) -> None:
    """The request's required document is there, and no more than MAX_DOCUMENTS; else an error on the
    field "document" naming the document."""
    required = REQUIRED_DOCUMENT.get(kind)
    if required is None:
        return  # an unknown kind is refused on its own field (family_checks)
    label = document_label(required)
    if not any(piece == required for piece, _checked in documents):
        raise ValidationError({"document": [_("%(label)s : joignez le document (PDF, JPEG ou PNG, 10 Mo au plus).")
                                            % {"label": label}]})
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationError({"other_document": [_("Pièces : %(max)s fichiers au plus par déclaration.")
                                                  % {"max": MAX_DOCUMENTS}]})


def attach_documents(request: FamilyChangeRequest, documents: Sequence[tuple[str, CheckedDocument]]) -> None:
    """Store the checked documents of the request (the same file sent twice is kept once)."""
    seen: set[str] = set()
    for kind, checked in documents:
        if checked.sha256 in seen:
            continue
        seen.add(checked.sha256)
        row = FamilyChangeDocument(request=request, kind=kind, original_name=checked.name[-200:],
                                   content_type=checked.content_type, extension=checked.extension,
                                   size=checked.size, sha256=checked.sha256)
        row.file.save(f"{checked.sha256}.{checked.extension}", checked.as_file(), save=False)
        row.full_clean()
        row.save()


def document_response(document: FamilyChangeDocument, *, download: bool = False) -> FileResponse:
    """The document as stored: an image inline (unless `download`), a PDF always as a download."""
    name = f"{document.request.number or document.request_id}-{document.pk}.{document.extension}"
    return stored_document_response(document, filename=name, download=download)
