"""With CLAMD_URL set, every upload is scanned by a real clamd (Debian's clamav-daemon) before
it is stored. The signature database is written here: the EICAR test file and a marker of our
own; nothing is downloaded. Without clamd the tests skip, or fail under REQUIRE_SERVICES=1."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions import antivirus
from submissions.models import Document
from submissions.services import document_add
from submissions.uploads import validate_upload
from tests.conftest import service_missing
from tests.factories import make_evidence
from tests.submissions.sample_files import make_docx, make_pdf

CLAMD = Path("/usr/sbin/clamd")
# Built from parts so that this source file is not itself flagged by a scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MARKER = b"READINESS-TRACKER-ANTIVIRUS-TEST-MARKER-7f3a"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def clamd_url(tmp_path_factory):
    """A clamd of our own on a free port, with a two-signature database; stopped by PID."""
    if not CLAMD.exists() or not shutil.which("clamdscan"):
        service_missing("clamd is not installed (apt-get install clamav-daemon)")
    root = tmp_path_factory.mktemp("clamd")
    database = root / "db"
    database.mkdir()
    (root / "tmp").mkdir()
    (database / "readiness-test.ndb").write_text(
        f"Readiness.Test.EICAR:0:*:{EICAR.hex()}\nReadiness.Test.Marker:0:*:{MARKER.hex()}\n"
    )
    port = free_port()
    config = root / "clamd.conf"
    config.write_text(
        "Foreground yes\n"
        f"TCPSocket {port}\nTCPAddr 127.0.0.1\n"
        f"DatabaseDirectory {database}\nTemporaryDirectory {root / 'tmp'}\n"
        f"LogFile {root / 'clamd.log'}\n"
        "StreamMaxLength 30M\n"
    )
    process = subprocess.Popen(  # noqa: S603 a fixed path and our own config
        [str(CLAMD), f"--config-file={config}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"tcp://127.0.0.1:{port}"
    try:
        _wait_until_it_answers(url, process, root)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_it_answers(url: str, process: subprocess.Popen, root: Path) -> None:
    from django.test import override_settings

    with override_settings(CLAMD_URL=url, CLAMD_TIMEOUT_SECONDS=5):
        for _ in range(600):
            if antivirus.ping():
                return
            if process.poll() is not None:
                log = (root / "clamd.log").read_text() if (root / "clamd.log").exists() else ""
                pytest.fail(f"clamd stopped at start: {log[-2000:]}")
            time.sleep(0.1)
    pytest.fail("clamd did not answer PING within a minute")


@pytest.fixture
def scanning(settings, clamd_url):
    settings.CLAMD_URL = clamd_url
    settings.CLAMD_TIMEOUT_SECONDS = 10
    return clamd_url


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def nothing_stored(media: Path) -> bool:
    stored = [path for path in media.rglob("*") if path.is_file()] if media.exists() else []
    return not Document.objects.exists() and not stored


def refusal(name: str, data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile(name, data))
    return caught.value


def test_the_eicar_file_is_refused(scanning):
    error = refusal("eicar.txt", EICAR)
    assert error.code == "infected"
    assert error.messages == [
        "“eicar.txt” was refused: the virus scanner found Readiness.Test.EICAR.UNOFFICIAL in it."
    ]


def test_a_signature_inside_a_document_is_found(scanning):
    """clamd unpacks the DOCX and finds the marker in its compressed document part."""
    data = make_docx(**{"word/document.xml": b"<w:document>" + MARKER + b"</w:document>"})
    assert MARKER not in data  # only visible once inflated
    error = refusal("report.docx", data)
    assert error.code == "infected"
    assert "Readiness.Test.Marker" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "build"), [("report.pdf", make_pdf), ("report.docx", make_docx)], ids=["pdf", "docx"]
)
def test_clean_files_are_accepted(scanning, name, build):
    assert validate_upload(SimpleUploadedFile(name, build())).original_name == name


def test_a_stream_longer_than_clamd_takes_is_refused_not_stored_unscanned(scanning, settings):
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 40 * 1024 * 1024
    data = b"evidence, text\n" * (31 * 1024 * 1024 // 15)  # over the StreamMaxLength of 30M
    error = refusal("large.csv", data)
    assert error.code == "scan_unavailable"


@pytest.mark.django_db
def test_an_infected_upload_leaves_nothing_behind(scanning, media, open_round, party, focal_point):
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    with pytest.raises(ValidationError, match="virus scanner found"):
        document_add(
            actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("e.txt", EICAR)
        )
    assert nothing_stored(media)
    draft.refresh_from_db()
    assert draft.version == 1


@pytest.mark.django_db
def test_a_clean_upload_is_scanned_and_stored(scanning, media, open_round, party, focal_point):
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    upload = SimpleUploadedFile("report.pdf", make_pdf())
    document = document_add(actor=focal_point, evidence=draft, uploaded_file=upload)
    assert document.file.read() == make_pdf()


# Without a reachable clamd (no service needed) -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{port}", "unix://{socket}"])
def test_an_unreachable_scanner_refuses_the_upload(
    address, settings, tmp_path, media, open_round, party, focal_point
):
    settings.CLAMD_URL = address.format(port=free_port(), socket=tmp_path / "missing.ctl")
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    with pytest.raises(ValidationError) as caught:
        document_add(
            actor=focal_point,
            evidence=draft,
            uploaded_file=SimpleUploadedFile("report.pdf", make_pdf()),
        )
    assert caught.value.code == "scan_unavailable"
    assert "cannot be scanned for viruses right now" in caught.value.messages[0]
    assert "try again in a few minutes" in caught.value.messages[0]
    assert nothing_stored(media)


def test_a_scanner_that_never_answers_times_out(settings):
    """A clamd that accepts the connection and then hangs holds the upload for the timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.CLAMD_URL = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        settings.CLAMD_TIMEOUT_SECONDS = 0.5
        error = refusal("notes.txt", b"plain text\n")
    assert error.code == "scan_unavailable"


def test_without_clamd_url_nothing_is_scanned(settings):
    settings.CLAMD_URL = ""
    assert validate_upload(SimpleUploadedFile("eicar.txt", EICAR)).extension == "txt"
