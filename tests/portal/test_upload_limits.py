"""Uploads that try to exhaust the web process: many files, huge files, many large valid files.

The request bodies are made as they are read (MultipartBody), as a client sending them over the
network would, so that the test itself holds none of them in memory: what the tracemalloc peak
measures is what the portal kept while it handled the request. The bound asserted is a sanity
bound (a few chunks and one document's head), far under what reading the files would take.
"""
import tracemalloc
from collections.abc import Iterator

import pytest

from amo_portal.documents import MAX_DOCUMENT_BYTES
from claims.models import ClaimDocument
from tests.factories.claims import act, file_claim
from tests.portal.conftest import CARE_DATE

BOUNDARY = "limite-amo-7f3a"
BLOCK = 64 * 1024
#: What handling one upload request may allocate at its peak, whatever the files weigh.
PEAK_BOUND = 24 * 1024 * 1024


class MultipartBody:
    """A multipart/form-data body of `count` files of `size` bytes each (a PDF: header, filler,
    end marker), produced as it is read: its bytes exist only one block at a time."""

    def __init__(self, *, fields: dict[str, str], file_field: str, count: int, size: int):
        self.fields, self.file_field, self.count, self.size = fields, file_field, count, size
        self._pieces = self._generate()
        self._buffer = b""

    def _file_head(self, index: int) -> bytes:
        return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{self.file_field}\"; "
                f"filename=\"piece-{index}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()

    def _fields(self) -> bytes:
        return b"".join(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
                        for name, value in self.fields.items())

    def _content(self, index: int) -> Iterator[bytes]:
        head, tail = f"%PDF-1.4\n% piece {index}\n".encode(), b"\n%%EOF\n"
        yield head
        left = self.size - len(head) - len(tail)
        filler = bytes([index % 251]) * BLOCK
        while left > 0:
            yield filler[:min(left, BLOCK)]
            left -= BLOCK
        yield tail

    def _generate(self) -> Iterator[bytes]:
        yield self._fields()
        for index in range(self.count):
            yield self._file_head(index)
            yield from self._content(index)
            yield b"\r\n"
        yield f"--{BOUNDARY}--\r\n".encode()

    def __len__(self) -> int:
        one = len(self._file_head(0)) + self.size + 2
        extra = sum(len(self._file_head(i)) - len(self._file_head(0)) for i in range(self.count))
        return len(self._fields()) + one * self.count + extra + len(f"--{BOUNDARY}--\r\n")

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def readline(self, size: int = -1) -> bytes:  # a WSGI input has one; the multipart parser reads blocks
        return self.read(size)


def post_streamed(client, url: str, body: MultipartBody, **extra):
    """POST `body` through the Django test client without building it in memory; the peak of
    memory allocated while the portal handles it, in bytes."""
    environ = {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": body, **extra}
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.post(url, data=b"", content_type=environ["CONTENT_TYPE"], **environ)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


@pytest.fixture
def open_claim(member):
    return file_claim(insured=member, lines=[act("Cs", "150.00")], care_date=CARE_DATE, filed_on=CARE_DATE)


def test_the_multipart_body_is_the_length_it_declares():
    body = MultipartBody(fields={"kind": "autre"}, file_field="files", count=3, size=100_000)
    assert len(body.read()) == len(MultipartBody(fields={"kind": "autre"}, file_field="files", count=3,
                                                 size=100_000))


def test_a_hundred_oversized_files_on_the_page_are_refused_in_french_with_memory_bounded(member_client, open_claim):
    # given: the attack of the report, 100 files of more than 10 MB each (1 GB)
    body = MultipartBody(fields={"kind": "autre"}, file_field="files", count=100, size=MAX_DOCUMENT_BYTES + 1)
    # when
    response, peak = post_streamed(member_client, f"/espace/dossiers/{open_claim.pk}/pieces/", body)
    # then
    assert response.status_code == 400
    assert "Fichiers : envoyez au plus 10 fichiers à la fois." in response.content.decode()
    assert ClaimDocument.objects.filter(claim=open_claim).count() == 0
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MiB"


def test_a_hundred_oversized_files_on_the_api_are_refused_in_french_with_memory_bounded(api, open_claim):
    # given
    body = MultipartBody(fields={"kind": "autre"}, file_field="files", count=100, size=MAX_DOCUMENT_BYTES + 1)
    # when
    response, peak = post_streamed(api, f"/api/v1/dossiers/{open_claim.pk}/pieces/", body)
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "trop_de_fichiers"
    assert response.json()["extra"]["champs"]["files"] == ["Fichiers : envoyez au plus 10 fichiers à la fois."]
    assert ClaimDocument.objects.filter(claim=open_claim).count() == 0
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MiB"


def test_ten_oversized_files_are_refused_by_their_size_before_being_read(member_client, open_claim):
    # given: as many files as a claim may hold, each 30 MB
    body = MultipartBody(fields={"kind": "autre"}, file_field="files", count=10, size=3 * MAX_DOCUMENT_BYTES)
    # when
    response, peak = post_streamed(member_client, f"/espace/dossiers/{open_claim.pk}/pieces/", body)
    # then
    assert response.status_code == 400
    assert "« piece-0.pdf » dépasse 10 Mo." in response.content.decode()
    assert ClaimDocument.objects.filter(claim=open_claim).count() == 0
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MiB"


def test_ten_large_valid_documents_are_streamed_to_storage_not_held_in_memory(member_client, open_claim):
    # given: ten PDFs just under the limit (95 MB in all)
    size = MAX_DOCUMENT_BYTES - 1024
    body = MultipartBody(fields={"kind": "autre"}, file_field="files", count=10, size=size)
    # when
    response, peak = post_streamed(member_client, f"/espace/dossiers/{open_claim.pk}/pieces/", body)
    # then
    assert response.status_code == 302
    stored = ClaimDocument.objects.filter(claim=open_claim)
    assert stored.count() == 10
    assert {document.size for document in stored} == {size}
    assert all(document.file.size == size for document in stored)
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MiB"
