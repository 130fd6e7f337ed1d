"""Django has no file-size cap of its own (FILE_UPLOAD_MAX_MEMORY_SIZE is only the point where
uploads spill to disk). This handler drops a file as soon as it grows past the evidence upload
cap, so an oversized upload never fills memory or the disk, and marks the request so that the
view can say why the file is missing. (The reverse proxy caps the whole request body.)"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class UploadSizeLimitHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.EVIDENCE_UPLOAD_MAX_BYTES:
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
