"""Documents kept between the preview of a claim and its confirmation.

A browser cannot send a file twice without the user choosing it again, so the documents checked
at the preview step are kept in private storage under a random token, owned by the account, and
read back when the claim is confirmed.
"""
from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from amo_portal.documents import CheckedDocument, check_document

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
#: Documents of a preview never confirmed are deleted after this long (at the account's next preview).
KEEP_FOR = timedelta(days=1)


def _folder(user, token: str) -> str:
    return f"pending/{int(user.pk)}/{token}"


def stash_documents(*, user, documents: list[tuple[str, CheckedDocument]]) -> str:
    """Keep checked documents for this account; returns the token that names them."""
    _forget_old_stashes(user)
    token = secrets.token_hex(16)
    folder = _folder(user, token)
    manifest = []
    for index, (kind, document) in enumerate(documents):
        path = default_storage.save(f"{folder}/{index}.{document.extension}", document.as_file())
        manifest.append({"path": path, "kind": kind, "name": document.name, "content_type": document.content_type,
                         "extension": document.extension, "sha256": document.sha256, "size": document.size})
    default_storage.save(f"{folder}/manifest.json", ContentFile(json.dumps(manifest).encode()))
    return token


def stashed_documents(*, user, token: str) -> list[tuple[str, CheckedDocument]]:
    """The documents kept under `token` for this account (empty for an unknown or foreign token)."""
    if not token or not _TOKEN.match(token):
        return []
    folder = _folder(user, token)
    if not default_storage.exists(f"{folder}/manifest.json"):
        return []
    with default_storage.open(f"{folder}/manifest.json") as handle:
        manifest = json.loads(handle.read())
    documents = []
    for item in manifest:
        if not str(item["path"]).startswith(folder + "/"):
            continue
        # kept open, read by chunks when the claim is stored (a stash written before sizes and
        # hashes were in the manifest is checked again)
        handle = default_storage.open(item["path"])
        if "sha256" in item:
            document = CheckedDocument(file=handle, content_type=item["content_type"], extension=item["extension"],
                                       name=item["name"], sha256=item["sha256"], size=item["size"])
        else:
            document = check_document(handle, name=item["name"])
        documents.append((item["kind"], document))
    return documents


def _forget_old_stashes(user) -> None:
    root = f"pending/{int(user.pk)}"
    if not default_storage.exists(root):
        return
    folders, _ = default_storage.listdir(root)
    limit = timezone.now() - KEEP_FOR
    for token in folders:
        manifest = f"{root}/{token}/manifest.json"
        if default_storage.exists(manifest) and default_storage.get_modified_time(manifest) < limit:
            discard_stash(user=user, token=token)


def discard_stash(*, user, token: str) -> None:
    if not token or not _TOKEN.match(token):
        return
    folder = _folder(user, token)
    _, files = default_storage.listdir(folder) if default_storage.exists(folder) else ([], [])
    for name in files:
        default_storage.delete(f"{folder}/{name}")
