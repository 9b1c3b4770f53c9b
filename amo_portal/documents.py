"""Supporting documents: checked by content (not by name), size-limited, hashed, stored privately.

A document is never read whole into memory: it stays in the uploaded file (a temporary file on
disk past FILE_UPLOAD_MAX_MEMORY_SIZE) and is read in chunks to be recognised, hashed and stored.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

import filetype
from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import FileResponse
from PIL import Image, UnidentifiedImageError

#: 10 MB per document.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
#: An image of more pixels is refused before it is decoded (a 50 MP phone photo fits; a PNG of a few
#: kilobytes that inflates to gigabytes, a "decompression bomb", does not).
MAX_IMAGE_PIXELS = 80_000_000
#: Bytes read at once when a document is recognised, hashed or copied.
CHUNK_BYTES = 64 * 1024
#: Bytes filetype needs to recognise a PDF, JPEG or PNG.
HEAD_BYTES = 8192
PDF_END = b"%%EOF"

#: Types shown in the browser rather than downloaded: images only (recognised from their bytes at upload).
INLINE_TYPES = frozenset({"image/jpeg", "image/png"})
#: Images are shown in the page that links them, each in a sandbox with nothing to run or load.
IMAGE_SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"

MSG_TOO_LARGE = "« {name} » dépasse 10 Mo."
MSG_EMPTY = "« {name} » est vide."
MSG_WRONG_TYPE = "« {name} » n'est ni un PDF, ni une image JPEG ou PNG."
MSG_TRUNCATED_PDF = "« {name} » n'est pas un PDF complet."
MSG_BAD_IMAGE = "« {name} » est une image illisible ou tronquée."
MSG_HUGE_IMAGE = "« {name} » est une image trop grande (plus de 80 millions de pixels)."


class CheckedDocument:
    """A document that passed check_document; its bytes stay in `file`, read by chunks()."""

    def __init__(self, *, file: File, content_type: str, extension: str, name: str, sha256: str, size: int):
        self.file = file
        self.content_type = content_type
        self.extension = extension
        self.name = name
        self.sha256 = sha256
        self.size = size

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        while chunk := self.file.read(CHUNK_BYTES):
            yield chunk

    def as_file(self) -> File:
        """The bytes as a File that storage copies chunk by chunk (never moved from under us)."""
        self.file.seek(0)
        return File(self.file, name=self.name)


def _scan(file) -> tuple[int, str, bool]:
    """Size, SHA-256 and whether a PDF end marker appears, read chunk by chunk."""
    digest, size, tail, has_end = hashlib.sha256(), 0, b"", False
    file.seek(0)
    while chunk := file.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
        has_end = has_end or PDF_END in tail + chunk
        tail = chunk[-len(PDF_END):]
    return size, digest.hexdigest(), has_end


def _check_image(file, name: str, field: str) -> None:
    file.seek(0)
    # Pillow refuses past twice its own limit (DecompressionBombError) and only warns below it: the
    # size is checked here from the header, before any pixel is decoded. (No warnings filter: it
    # would be process-wide, and gunicorn runs several requests at once in threads.)
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError({field: MSG_HUGE_IMAGE.format(name=name)})
            image.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError({field: MSG_HUGE_IMAGE.format(name=name)}) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError({field: MSG_BAD_IMAGE.format(name=name)}) from exc


def check_document(uploaded, *, field: str = "documents", name: str | None = None) -> CheckedDocument:
    """Accept a PDF, JPEG or PNG of at most 10 MB, recognised by its bytes; refuse anything else.

    The declared size is checked before anything is read, the bytes are read in chunks."""
    name = (name or uploaded.name or "document")[-200:]
    if uploaded.size is not None and uploaded.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: MSG_TOO_LARGE.format(name=name)})
    size, sha256, has_end = _scan(uploaded)
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: MSG_TOO_LARGE.format(name=name)})
    if not size:
        raise ValidationError({field: MSG_EMPTY.format(name=name)})
    uploaded.seek(0)
    kind = filetype.guess(uploaded.read(HEAD_BYTES))
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationError({field: MSG_WRONG_TYPE.format(name=name)})
    if kind.mime == "application/pdf":
        if not has_end:
            raise ValidationError({field: MSG_TRUNCATED_PDF.format(name=name)})
    else:
        _check_image(uploaded, name, field)
    uploaded.seek(0)
    return CheckedDocument(file=uploaded, content_type=kind.mime, extension=ALLOWED[kind.mime], name=name,
                           sha256=sha256, size=size)


def stored_document_response(document, *, filename: str, download: bool) -> FileResponse:
    """A stored document as served to those who may see it: a JPEG or PNG inline (unless `download`)
    under a sandbox policy; a PDF always as a download, since it may carry scripts, forms and links
    and is never opened as a page of the portal's origin. Never cached, never sniffed."""
    inline = document.content_type in INLINE_TYPES and not download
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=not inline,
                            filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = IMAGE_SANDBOX
    response["Cache-Control"] = "private, no-store"
    return response
