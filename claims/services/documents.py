"""Supporting documents: checked by content (not by name), size-limited, hashed, stored privately."""
import hashlib
import io

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

#: 10 MB per document.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class CheckedDocument:
    def __init__(self, *, content: bytes, content_type: str, extension: str, name: str):
        self.content = content
        self.content_type = content_type
        self.extension = extension
        self.name = name
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.size = len(content)


def check_document(uploaded: UploadedFile, *, field: str = "documents") -> CheckedDocument:
    """Accept a PDF, JPEG or PNG of at most 10 MB, recognised by its bytes; refuse anything else."""
    name = (uploaded.name or "document")[-200:]
    if uploaded.size is not None and uploaded.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: f"« {name} » dépasse 10 Mo."})
    content = uploaded.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: f"« {name} » dépasse 10 Mo."})
    if not content:
        raise ValidationError({field: f"« {name} » est vide."})
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationError({field: f"« {name} » n'est ni un PDF, ni une image JPEG ou PNG."})
    if kind.mime == "application/pdf":
        if b"%%EOF" not in content[-2048:] and b"%%EOF" not in content:
            raise ValidationError({field: f"« {name} » n'est pas un PDF complet."})
    else:
        try:
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError({field: f"« {name} » est une image illisible ou tronquée."}) from exc
    return CheckedDocument(content=content, content_type=kind.mime, extension=ALLOWED[kind.mime], name=name)
