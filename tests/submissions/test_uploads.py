"""Evidence uploads are validated from their real content, built here byte by byte."""

import gzip
import hashlib
import io
import random
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from submissions.uploads import validate_upload

CHINESE_CSV = "国家,监管框架\n加纳,监管框架\n泰国,授权程序\n".encode()
SCRIPT = b"<html><script>alert(1)</script></html>"


# Builders of real, minimal documents ----------------------------------------------------------


def make_pdf(*, extra_object: bytes = b"", padding: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table; `padding` goes in a content stream."""
    stream = b"BT /F1 12 Tf 72 720 Td (Article 6 readiness) Tj ET\n" + padding
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if extra_object:
        objects.append(extra_object)
    body, offsets = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    xref += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    return body + xref + trailer + b"startxref\n%d\n%%%%EOF\n" % len(body)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(*, text: bytes = b"", trailer: bytes = b"") -> bytes:
    """A 1×1 red pixel, optionally with a tEXt chunk or bytes after IEND."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunks = png_chunk(b"IHDR", header)
    if text:
        chunks += png_chunk(b"tEXt", b"Comment\x00" + text)
    chunks += png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks + trailer


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def make_jpeg() -> bytes:
    """A baseline 1×1 grey JFIF: one 8×8 block whose DC difference and AC are both code "0"."""
    one_code = bytes([1] + [0] * 15) + b"\x00"  # a Huffman table of a single one-bit code
    return (
        b"\xff\xd8"
        + jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + jpeg_segment(0xDB, b"\x00" + b"\x01" * 64)
        + jpeg_segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
        + jpeg_segment(0xC4, b"\x00" + one_code)
        + jpeg_segment(0xC4, b"\x10" + one_code)
        + jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"  # DC "0", end-of-block "0", padded with one-bits
        + b"\xff\xd9"
    )


def make_zip(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(stored_first, members[stored_first], zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


def content_types(main: str, part: str, *, macro: bool = False) -> bytes:
    kind = "macroEnabled.main+xml" if macro else "main+xml"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main}.{kind}"/></Types>'
    ).encode()


def package_rels(part: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{part}"/></Relationships>'
    ).encode()


def make_docx(**extra: bytes) -> bytes:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>加纳 监管框架</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return make_zip(
        {
            "[Content_Types].xml": content_types(main, "word/document.xml"),
            "_rels/.rels": package_rels("word/document.xml"),
            "word/document.xml": document,
            **extra,
        }
    )


def make_xlsx(*, macro: bool = False) -> bytes:
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if macro:
        main = "application/vnd.ms-excel.sheet"
    workbook = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>加纳</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    return make_zip(
        {
            "[Content_Types].xml": content_types(main, "xl/workbook.xml", macro=macro),
            "_rels/.rels": package_rels("xl/workbook.xml"),
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": workbook_rels,
            "xl/worksheets/sheet1.xml": sheet,
        }
    )


def make_odf(mimetype: str, body: str, **extra: bytes) -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    ).encode()
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">'
        f"<office:body>{body}</office:body></office:document-content>"
    ).encode()
    members = {
        "mimetype": mimetype.encode(),
        "content.xml": content,
        "META-INF/manifest.xml": manifest,
        **extra,
    }
    return make_zip(members, stored_first="mimetype")


ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


def make_odt(**extra: bytes) -> bytes:
    return make_odf(ODT, "<office:text><text:p>加纳 监管框架</text:p></office:text>", **extra)


def make_ods() -> bytes:
    cell = "<table:table-cell><text:p>加纳</text:p></table:table-cell>"
    body = f'<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>{cell}'
    return make_odf(ODS, body + "</table:table-row></table:table></office:spreadsheet>")


def make_windows_program() -> bytes:
    """A DOS header whose e_lfanew points at a PE signature."""
    dos_header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44
    return dos_header + struct.pack("<I", 64) + b"PE\x00\x00\x4c\x01" + b"\x00" * 200


ELF_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 100


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
    noise = random.Random(6).randbytes(3 * 1024 * 1024)  # like a compressed stream
    data = make_pdf(padding=noise)
    recorder = ReadRecorder(data)

    result = validate_upload(UploadedFile(recorder, name="big.pdf", size=len(data)))

    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert len(recorder.read_sizes) > 40
    assert all(0 < size <= 64 * 1024 for size in recorder.read_sizes)


def test_content_split_between_two_chunks_is_still_found():
    chunk = 64 * 1024
    prefix = make_pdf()
    data = prefix + b"%" * (chunk - len(prefix) - 5) + b"/JavaScript (app.alert(1))\n"
    assert data.index(b"/JavaScript") < chunk <= data.index(b"Script")
    error = refusal(UploadedFile(io.BytesIO(data), name="split.pdf", size=len(data)))
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
