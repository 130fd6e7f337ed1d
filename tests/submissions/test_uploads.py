"""Evidence uploads are validated from their real content, built here byte by byte."""

import gzip
import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from submissions.uploads import validate_upload
from tests.submissions.sample_files import (
    ELF_PROGRAM,
    ODS,
    ODT,
    make_docx,
    make_jpeg,
    make_ods,
    make_odt,
    make_pdf,
    make_png,
    make_windows_program,
    make_xlsx,
    make_zip,
)

CHINESE_CSV = "国家,监管框架\n加纳,监管框架\n泰国,授权程序\n".encode()
SCRIPT = b"<html><script>alert(1)</script></html>"


# Wrapping bytes as uploads --------------------------------------------------------------------


@pytest.fixture
def upload(tmp_path):
    """Writes the bytes to disk and opens them as an UploadedFile, as Django hands them over."""
    opened = []

    def make(name: str, data: bytes) -> UploadedFile:
        path = tmp_path / f"upload-{len(opened)}"
        path.write_bytes(data)
        handle = path.open("rb")
        opened.append(handle)
        return UploadedFile(handle, name=name, size=path.stat().st_size)

    yield make
    for handle in opened:
        handle.close()


def refusal(uploaded, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_upload(uploaded, **kwargs)
    return caught.value


# Accepted documents ---------------------------------------------------------------------------

GOOD_FILES = [
    ("evidence.pdf", make_pdf, "pdf", "application/pdf"),
    ("chart.png", make_png, "png", "image/png"),
    ("photo.jpg", make_jpeg, "jpg", "image/jpeg"),
    ("PHOTO.JPEG", make_jpeg, "jpg", "image/jpeg"),
    (
        "framework.docx",
        make_docx,
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "inventory.xlsx",
        make_xlsx,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("framework.odt", make_odt, "odt", ODT),
    ("inventory.ods", make_ods, "ods", ODS),
    ("parties.csv", lambda: CHINESE_CSV, "csv", "text/csv"),
    ("parties-bom.csv", lambda: b"\xef\xbb\xbf" + CHINESE_CSV, "csv", "text/csv"),
    ("notes.txt", lambda: "加纳,监管框架\n".encode(), "txt", "text/plain"),
    ("mozambique.csv", lambda: b"MZ,Mozambique,2024\n", "csv", "text/csv"),
]


@pytest.mark.parametrize(("name", "build", "extension", "content_type"), GOOD_FILES)
def test_genuine_documents_are_accepted(upload, name, build, extension, content_type):
    data = build()
    uploaded = upload(name, data)
    uploaded.read(5)  # wherever the caller left it

    result = validate_upload(uploaded)

    assert result.original_name == name
    assert result.extension == extension
    assert result.content_type == content_type
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert uploaded.tell() == 0
    assert uploaded.read() == data


def test_the_browsers_content_type_is_ignored():
    uploaded = SimpleUploadedFile("chart.png", make_png(), content_type="application/pdf")
    assert validate_upload(uploaded).content_type == "image/png"


def test_a_file_exactly_at_the_limit_is_accepted(upload):
    data = b"a" * 999 + b"\n"
    assert validate_upload(upload("limit.txt", data), max_bytes=1000).size == 1000


def test_the_limit_defaults_to_the_setting(upload, settings):
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 10
    assert refusal(upload("notes.txt", b"eleven byte")).code == "too_large"


class ReadRecorder(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_sizes: list[int | None] = []

    def read(self, size=-1):
        self.read_sizes.append(size)
        return super().read(size)


def test_a_large_file_is_read_in_chunks():
    data = CHINESE_CSV * (3 * 1024 * 1024 // len(CHINESE_CSV))
    recorder = ReadRecorder(data)

    result = validate_upload(UploadedFile(recorder, name="big.csv", size=len(data)))

    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert len(recorder.read_sizes) > 40
    assert all(0 < size <= 64 * 1024 for size in recorder.read_sizes)


def test_content_split_between_two_chunks_is_still_found():
    chunk = 64 * 1024
    data = b"a" * (chunk - 4) + b"<script>alert(1)</script>\n"
    assert data.index(b"<script>") < chunk <= data.index(b"ipt>")
    error = refusal(UploadedFile(io.BytesIO(data), name="split.txt", size=len(data)))
    assert error.code == "active_content"


def test_a_size_over_the_limit_is_refused_before_reading():
    class Unreadable(io.BytesIO):
        def read(self, size=-1):
            raise AssertionError("the content should not be read")

    uploaded = UploadedFile(Unreadable(), name="huge.pdf", size=26 * 1024 * 1024)
    error = refusal(uploaded)
    assert error.code == "too_large"
    assert "too large" in error.messages[0]
    assert "25.0" in error.messages[0]


# Refused documents ----------------------------------------------------------------------------

ZIP_OF_PDFS = make_zip({"evidence.pdf": make_pdf(), "more.pdf": make_pdf()})
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>\n"
)
ODF_MACRO = {"Basic/Standard/Module1.xml": b"<script:module/>"}


def with_encrypted_member() -> bytes:
    """A DOCX with a member flagged as encrypted, which zipfile cannot write itself."""
    data = bytearray(make_docx(**{"word/secret.xml": b"<secret/>"}))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local_header = archive.getinfo("word/secret.xml").header_offset
    central_header = data.rindex(b"word/secret.xml") - 46
    data[local_header + 6] |= 0x1
    data[central_header + 8] |= 0x1
    return bytes(data)


REFUSALS = [
    # name, content, code, words the message must contain
    ("report.pdf", make_windows_program(), "executable", "program"),
    ("data.csv", ELF_PROGRAM, "executable", "program"),
    ("notes.txt", b"#!/bin/sh\nrm -rf ~\n", "executable", "program"),
    ("report.pdf", b"<!DOCTYPE html>\n" + SCRIPT, "mismatch", "not a genuine .pdf"),
    ("chart.png", make_png(text=SCRIPT), "active_content", "script"),
    ("chart.png", make_png(trailer=SCRIPT), "active_content", "script"),
    ("photo.jpg", make_jpeg() + b"<iframe src=x>", "active_content", "script"),
    ("chart.png", SVG_WITH_SCRIPT, "mismatch", "not a genuine .png"),
    ("notes.txt", SVG_WITH_SCRIPT, "active_content", "script"),
    ("notes.txt", b"\n  <?xml version='1.0'?><data/>", "active_content", "web page"),
    ("notes.csv", b"name,link\nx,javascript:alert(1)\n", "active_content", "script"),
    ("drawing.svg", SVG_WITH_SCRIPT, "extension", ".svg files are not accepted"),
    ("letter.docm", make_docx(), "extension", ".docm files are not accepted"),
    ("letter.docx", make_docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "macro", "macros"),
    ("sheet.xlsx", make_xlsx(macro=True), "macro", "macros"),
    ("letter.odt", make_odt(**ODF_MACRO), "macro", "macros"),
    ("letter.docx", ZIP_OF_PDFS, "archive", "compressed archive"),
    ("sheet.xlsx", gzip.compress(CHINESE_CSV), "archive", "compressed archive"),
    ("evidence.pdf", ZIP_OF_PDFS, "archive", "compressed archive"),
    ("data.csv", gzip.compress(CHINESE_CSV), "archive", "compressed archive"),
    ("letter.docx", make_xlsx(), "mismatch", "not a genuine .docx"),
    ("letter.odt", make_ods(), "mismatch", "not a genuine .odt"),
    ("letter.docx", make_docx()[:-30], "mismatch", "not a genuine .docx"),
    ("letter.docx", with_encrypted_member(), "encrypted", "password"),
    ("empty.pdf", b"", "empty", "is empty"),
    (
        "script.pdf",
        make_pdf(extra_object=b"<< /S /JavaScript /JS (app.alert(1)) >>"),
        "active_content",
        "JavaScript",
    ),
    (
        "launch.pdf",
        make_pdf(extra_object=b"<< /S /Launch /F (cmd.exe) >>"),
        "active_content",
        "launch",
    ),
    ("latin1.csv", "Côte d'Ivoire,cadre réglementaire\n".encode("latin-1"), "encoding", "UTF-8"),
    ("utf16.txt", "加纳".encode("utf-16"), "encoding", "UTF-8"),
    ("notes.txt", b"plain\x00text\x00", "mismatch", "not a genuine .txt"),
]


@pytest.mark.parametrize(
    ("name", "data", "code", "reason"), REFUSALS, ids=[f"{r[2]}:{r[0]}" for r in REFUSALS]
)
def test_unsafe_content_is_refused(upload, name, data, code, reason):
    uploaded = upload(name, data)
    error = refusal(uploaded)
    assert error.code == code
    assert name in error.messages[0]
    assert reason in error.messages[0]
    assert uploaded.tell() == 0


def test_a_zip_bomb_is_refused(upload):
    bomb = make_docx(**{"word/media/zeros.bin": b"\x00" * 50_000})
    assert len(bomb) < 2000
    error = refusal(upload("letter.docx", bomb), max_bytes=2000)
    assert error.code == "too_large"
    assert "unpacks to more than" in error.messages[0]


@pytest.mark.parametrize("declared_size", [1001, None])
def test_one_byte_over_the_limit_is_refused(declared_size):
    data = b"a" * 1001
    uploaded = UploadedFile(io.BytesIO(data), name="notes.txt", size=declared_size)
    error = refusal(uploaded, max_bytes=1000)
    assert error.code == "too_large"
    assert "too large" in error.messages[0]


# Django's UploadedFile already strips folders and shortens long names, so these go through a
# plain File, as any other caller might hand over.
BAD_NAMES = [
    ("../report.pdf", "bad_name", "folder"),
    ("..\\report.pdf", "bad_name", "folder"),
    ("evidence/report.pdf", "bad_name", "folder"),
    ("a\x00.pdf", "bad_name", "control characters"),
    ("\u202etxt.pdf", "bad_name", "control characters"),
    ("line\nbreak.pdf", "bad_name", "control characters"),
    ("x" * 296 + ".pdf", "bad_name", "too long"),
    ("", "bad_name", "no name"),
    ("report", "extension", "no file type extension"),
    ("report.", "extension", "no file type extension"),
    (".pdf", "extension", "no file type extension"),
    ("report.pdf.exe", "extension", ".exe files are not accepted"),
    ("report.pdf ", "extension", "files are not accepted"),
]


@pytest.mark.parametrize(("name", "code", "reason"), BAD_NAMES)
def test_unsafe_names_are_refused(name, code, reason):
    error = refusal(File(io.BytesIO(make_pdf()), name=name))
    assert error.code == code
    message = error.messages[0]
    assert reason in message
    assert not any(character in message for character in "\x00\n\u202e")
    if code == "extension":
        assert ".pdf, .png, .txt, .xlsx" in message


def test_a_name_of_255_characters_is_accepted():
    name = "x" * 251 + ".pdf"
    assert validate_upload(File(io.BytesIO(make_pdf()), name=name)).original_name == name
