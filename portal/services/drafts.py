"""Drafts of a claim being typed on the new-claim page: what was typed and the documents attached,
kept on the server for the account (one draft, the latest) until the claim is filed or the draft is
settings.CLAIM_DRAFT_MAX_AGE_DAYS old.

Saved by the page's autosave while the person types and by every post of the form that does not
file the claim, so that neither a validation error nor the end of the session loses anything: after
signing in again, the page is filled from the draft. Documents are checked, hashed and stored by
amo_portal.documents, as a filed claim's; filing reads them from the draft, once.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amo_portal.documents import CheckedDocument, check_document
from claims.services.intake import MAX_DOCUMENTS
from portal.forms.claims import LINES_PREFIX, MAX_LINE_ROWS, ClaimForm, LineForm
from portal.models import ClaimDraft, ClaimDraftFile

#: Claim fields kept in a draft (the files go to ClaimDraftFile; the preview's hidden fields are not kept).
CLAIM_FIELDS = frozenset(ClaimForm.base_fields) - set(ClaimForm.FILE_FIELDS) - {"documents_token", "preview_print"}
LINE_FIELDS = frozenset(LineForm.base_fields)
_LINE_KEY = re.compile(rf"^{LINES_PREFIX}-(\d+)-(\w+)$")
#: Longest value kept for one field (the form's own limits are shorter).
MAX_VALUE_CHARS = 200


def draft_of(*, user) -> ClaimDraft | None:
    """The account's draft, with its documents (None without one)."""
    if not user.is_authenticated:
        return None
    return ClaimDraft.objects.filter(user=user).prefetch_related("files").first()


def kept_fields(posted) -> dict[str, str]:
    """What of a post of the claim form a draft keeps: the claim's fields and its line rows, each cut
    to MAX_VALUE_CHARS; anything else (buttons, tokens, unknown names) is dropped."""
    kept = {}
    for name, value in posted.items():
        match = _LINE_KEY.match(name)
        if name in CLAIM_FIELDS or (match and int(match[1]) < MAX_LINE_ROWS and match[2] in LINE_FIELDS):
            kept[name] = str(value)[:MAX_VALUE_CHARS]
    return kept


@dataclass(frozen=True)
class DraftSaved:
    draft: ClaimDraft
    errors: list[str]  # one message per document refused


@transaction.atomic
def save_draft(*, user, posted, uploads: Iterable[tuple[str, object]] = ()) -> DraftSaved:
    """Keep what was typed (replacing the fields saved before) and add the uploaded documents, each
    checked by content; a document already attached is not added twice."""
    draft, _created = ClaimDraft.objects.get_or_create(user=user, defaults={"key": secrets.token_hex(16)})
    draft = ClaimDraft.objects.select_for_update().get(pk=draft.pk)  # one autosave at a time
    draft.fields = kept_fields(posted)
    draft.full_clean()
    draft.save()
    errors = [message for kind, upload in uploads if (message := _attach(draft, kind, upload))]
    return DraftSaved(draft=draft, errors=errors)


def _attach(draft: ClaimDraft, kind: str, upload) -> str:
    """Store one upload on the draft; the message saying why it was refused, or ""."""
    try:
        document = check_document(upload)
    except ValidationError as exc:
        return exc.messages[0]
    if draft.files.filter(sha256=document.sha256).exists():
        return ""
    if draft.files.count() >= MAX_DOCUMENTS:
        return _("« %(name)s » n'est pas jointe : %(max)s pièces au plus par dossier.") % {
            "name": document.name, "max": MAX_DOCUMENTS}
    row = ClaimDraftFile(draft=draft, kind=kind, original_name=document.name, content_type=document.content_type,
                         extension=document.extension, size=document.size, sha256=document.sha256)
    row.file.save(f"{document.sha256}.{document.extension}", document.as_file(), save=False)
    row.save()
    return ""


def draft_documents(draft: ClaimDraft | None) -> list[tuple[str, CheckedDocument]]:
    """The draft's documents as checked documents, read from private storage when the claim is stored."""
    if draft is None:
        return []
    return [(row.kind, CheckedDocument(file=default_storage.open(_stored_name(row)), content_type=row.content_type,
                                       extension=row.extension, name=row.original_name, sha256=row.sha256,
                                       size=row.size))
            for row in draft.files.all()]


def _stored_name(row: ClaimDraftFile) -> str:
    """The document's name in storage: a draft's document row is only ever saved with its file."""
    if not row.file.name:
        raise ValueError(f"document de brouillon {row.pk} sans fichier")
    return row.file.name


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def remove_draft_file(*, user, file_id: int) -> bool:
    """Take one document off the account's own draft; False when the account has no such document."""
    row = ClaimDraftFile.objects.filter(draft__user=user, pk=file_id).first()
    if row is None:
        return False
    name = _stored_name(row)
    row.delete()
    transaction.on_commit(partial(_delete_files, [name]))
    return True


@transaction.atomic
def discard_draft(*, user) -> None:
    """Delete the account's draft and its documents (the claim was filed, or the person gave it up)."""
    _delete_drafts(ClaimDraft.objects.filter(user=user))


def _delete_drafts(drafts) -> None:
    """Rows now, files once the deletion is committed (a rollback leaves both in place)."""
    ids = list(drafts.values_list("pk", flat=True))
    names = list(ClaimDraftFile.objects.filter(draft_id__in=ids).values_list("file", flat=True))
    ClaimDraft.objects.filter(pk__in=ids).delete()
    transaction.on_commit(partial(_delete_files, names))


@transaction.atomic
def remove_old_drafts(*, max_age: timedelta, now: datetime | None = None) -> int:
    """Delete the drafts unchanged for `max_age`, with their documents; returns how many drafts went."""
    limit = (now or timezone.now()) - max_age
    old = ClaimDraft.objects.filter(updated_at__lt=limit)
    count = old.count()
    _delete_drafts(old)
    return count


def resumed_values(draft: ClaimDraft) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The draft as the form's initial values: the claim's fields, and its line rows that hold
    something, in their order."""
    claim = {name: value for name, value in draft.fields.items() if name in CLAIM_FIELDS}
    rows: dict[int, dict[str, str]] = {}
    for name, value in draft.fields.items():
        match = _LINE_KEY.match(name)
        if match and match[2] in LINE_FIELDS:
            rows.setdefault(int(match[1]), {})[match[2]] = value
    filled = [row for _index, row in sorted(rows.items())
              if any(row.get(name) for name in ("cotation", "medicine_code", "amount_paid"))]
    return claim, filled
