"""After a restore: is every document the database knows about in the storage, unchanged?"""

import hashlib

from django.core.management.base import BaseCommand, CommandError

from submissions.models import Document

CHUNK = 1024 * 1024


def stored_digest(document) -> str | None:
    """The SHA-256 of the stored file, or None when the storage does not have it."""
    storage = document.file.storage
    if not storage.exists(document.file.name):
        return None
    digest = hashlib.sha256()
    with storage.open(document.file.name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Reads every evidence document from the storage (disk or bucket) and compares it with "
        "the size and SHA-256 recorded at upload; lists what is missing or changed."
    )

    def handle(self, *args, **options):
        missing, changed, checked = [], [], 0
        for document in Document.objects.order_by("pk").iterator():
            checked += 1
            digest = stored_digest(document)
            if digest is None:
                missing.append(document)
            elif digest != document.sha256:
                changed.append(document)
        for label, documents in (("missing", missing), ("changed", changed)):
            for document in documents:
                self.stderr.write(
                    f"{label}: document #{document.pk} {document.file.name} "
                    f"({document.original_name}, evidence #{document.evidence_id})"
                )
        summary = f"{checked} documents checked: {len(missing)} missing, {len(changed)} changed."
        if missing or changed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
