"""Upload handler that keeps at most one byte past a document's size limit on disk."""
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from amo_portal.documents import MAX_DOCUMENT_BYTES


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Each uploaded file goes to a temporary file, chunk by chunk, as with Django's own handler,
    but the bytes past MAX_DOCUMENT_BYTES + 1 are dropped as they arrive: the file keeps its real
    size (counted by the parser), so check_document refuses it by that size without reading it,
    and a 1 GB "document" costs 10 MB of disk, not 1 GB."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.written = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = MAX_DOCUMENT_BYTES + 1 - self.written
        if room > 0:
            kept = raw_data[:room]
            self.file.write(kept)
            self.written += len(kept)
