"""Documents through the service and the pages, with real files on disk."""

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from readiness.exceptions import Conflict
from submissions.models import Document
from submissions.services import document_add, document_remove
from tests.factories import make_evidence
from tests.submissions.sample_files import make_pdf

pytestmark = pytest.mark.django_db

PDF = make_pdf()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def draft(open_round, party, focal_point):
    return make_evidence(assessment_round=open_round, party=party, author=focal_point)


def test_a_valid_document_is_stored_under_a_generated_name(focal_point, draft, media):
    document = document_add(
        actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("Décret 12.pdf", PDF)
    )
    assert (document.original_name, document.extension, document.content_type) == (
        "Décret 12.pdf", "pdf", "application/pdf",
    )  # fmt: skip
    assert document.size == len(PDF)
    [stored] = stored_files(media)
    assert stored.read_bytes() == PDF
    assert "Décret" not in stored.name and stored.suffix == ".pdf"
    draft.refresh_from_db()
    assert draft.version == 2
    assert document.history.get().history_user == focal_point


def _docm() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/vbaProject.bin", b"macro")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content",
    [
        ("tool.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
        ("macro.docx", _docm()),
        ("empty.txt", b""),
        ("../../etc/passwd.txt", b"root"),
        ("\u202etxt.pdf", PDF),
    ],
)
def test_a_refused_upload_leaves_no_row_and_no_file(focal_point, draft, media, name, content):
    # A plain File keeps the name as sent; Django's UploadedFile would strip the folders.
    upload = File(BytesIO(content), name=name)
    with pytest.raises(ValidationError):
        document_add(actor=focal_point, evidence=draft, uploaded_file=upload)
    assert not Document.objects.exists()
    assert stored_files(media) == []
    draft.refresh_from_db()
    assert draft.version == 1


def test_one_byte_over_the_cap_is_refused(focal_point, draft, media, settings):
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="too large"):
        document_add(
            actor=focal_point,
            evidence=draft,
            uploaded_file=SimpleUploadedFile("big.txt", b"a" * 1001),
        )
    assert stored_files(media) == [] and not Document.objects.exists()


def test_documents_are_added_only_to_editable_evidence(focal_point, open_round, party):
    submitted = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted"
    )
    with pytest.raises(Conflict):
        document_add(
            actor=focal_point, evidence=submitted, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
        )


def test_other_parties_cannot_add_documents(other_focal_point, draft):
    with pytest.raises(PermissionDenied):
        document_add(
            actor=other_focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
        )


def test_removing_a_document_deletes_the_file_after_commit(
    focal_point, draft, media, django_capture_on_commit_callbacks
):
    document = document_add(
        actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
    )
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(actor=focal_point, document=document)
    assert not Document.objects.exists() and stored_files(media) == []
    assert Document.history.filter(history_type="-").get().history_user == focal_point


def test_upload_page_shows_a_refusal_inline(client, focal_point, draft, media):
    client.force_login(focal_point)
    response = client.post(
        reverse("document-upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("macro.docm", b"PK\x03\x04")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "macro.docm" in page and 'class="error"' in page
    assert stored_files(media) == []


def test_download_is_an_attachment_with_nosniff(client, focal_point, draft):
    document = document_add(
        actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("Décret.pdf", PDF)
    )
    client.force_login(focal_point)
    response = client.get(reverse("document-download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "D%C3%A9cret.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_documents_are_never_served_from_a_media_url(client, focal_point, draft):
    document = document_add(
        actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
    )
    assert client.get("/media/" + document.file.name).status_code == 404


def test_another_partys_focal_point_cannot_download_by_id(
    client, other_focal_point, draft, focal_point
):
    document = document_add(
        actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(other_focal_point)
    assert client.get(reverse("document-download", args=[document.pk])).status_code == 404


def test_an_oversized_upload_is_dropped_while_it_streams(
    client, focal_point, draft, media, settings
):
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 100 * 1024
    client.force_login(focal_point)
    response = client.post(
        reverse("document-upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("scan.pdf", PDF + b"0" * 300 * 1024)},
    )
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert stored_files(media) == [] and not Document.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_file_is_checked_before_any_lock_is_taken(focal_point, draft, media, monkeypatch):
    """A check can take seconds (a PDF parsed, a document inflated, clamd's scan): it runs
    outside the transaction, so it holds neither the evidence nor its round (publication)."""
    from django.db import connection

    from submissions import services

    real_validate = services.validate_upload
    inside_a_transaction = []

    def validate(uploaded_file):
        inside_a_transaction.append(connection.in_atomic_block)
        return real_validate(uploaded_file)

    monkeypatch.setattr(services, "validate_upload", validate)
    document_add(
        actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("law.pdf", PDF)
    )
    assert inside_a_transaction == [False]
    assert Document.objects.filter(evidence=draft).count() == 1


def test_nobody_else_can_make_the_server_check_a_file(other_focal_point, draft, monkeypatch):
    from submissions import services

    checked = []
    monkeypatch.setattr(services, "validate_upload", checked.append)
    with pytest.raises(PermissionDenied):
        document_add(
            actor=other_focal_point,
            evidence=draft,
            uploaded_file=SimpleUploadedFile("law.pdf", PDF),
        )
    assert checked == [] and not Document.objects.exists()
