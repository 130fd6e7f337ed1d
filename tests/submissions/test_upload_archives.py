"""ZIP-based documents (DOCX, XLSX, ODT, ODS) are inflated against a budget before they are
stored: decompression bombs, lying central directories, nested archives and hostile member
names are refused, through the validator and through the service, with nothing saved."""

import gzip
import io
import random
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions.models import Document
from submissions.services import document_add
from submissions.uploads import validate_upload
from tests.factories import make_evidence
from tests.submissions.sample_files import make_docx, make_odt, make_xlsx

MIB = 1024 * 1024


def zeros_member(path: str, size: int, *, level: int = 9) -> bytes:
    """A DOCX whose `path` member is `size` zero bytes, written in 1 MiB pieces."""
    buffer = io.BytesIO(make_docx())
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=level) as archive,
        archive.open(path, "w") as member,
    ):
        for _ in range(size // MIB):
            member.write(bytes(MIB))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    """A DOCX of about 200 KB that inflates to 200 MB."""
    return zeros_member("word/media/image1.png", 200 * MIB)


def central_entries(data: bytes):
    """(offset of each central directory header, its name), read from the bytes themselves."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        position = archive.start_dir
    entries = []
    while data[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack(
            "<HHH", data[position + 28 : position + 34]
        )
        name = data[position + 46 : position + 46 + name_length].decode()
        entries.append((position, name))
        position += 46 + name_length + extra_length + comment_length
    return entries


def lie_about_size(data: bytes, member: str, declared: bytes) -> bytes:
    """Rewrites the member's declared size and CRC, in both headers, to those of `declared`."""
    patched = bytearray(data)
    crc, size = zlib.crc32(declared), len(declared)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(member).header_offset
    struct.pack_into("<I", patched, local + 14, crc)
    struct.pack_into("<I", patched, local + 22, size)
    [central] = [offset for offset, name in central_entries(data) if name == member]
    struct.pack_into("<I", patched, central + 16, crc)
    struct.pack_into("<I", patched, central + 24, size)
    return bytes(patched)


def refusal(name: str, data: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile(name, data), **kwargs)
    return caught.value


# Bombs ------------------------------------------------------------------------------------


def test_a_docx_that_inflates_to_200_mb_is_refused(docx_bomb):
    assert len(docx_bomb) < 300_000
    error = refusal("report.docx", docx_bomb)
    assert error.code == "too_large"
    assert error.messages == ["“report.docx” unpacks to more than 100.0\xa0MB."]


def test_the_unpacked_ceiling_is_a_setting(settings):
    settings.EVIDENCE_UPLOAD_MAX_UNPACKED_BYTES = 2 * MIB
    data = zeros_member("word/media/image1.png", 3 * MIB, level=0)  # stored as is: ratio 1
    error = refusal("report.docx", data)
    assert error.code == "too_large"
    assert "unpacks to more than 2.0\xa0MB" in error.messages[0]


def test_a_member_compressed_more_than_100_to_1_is_refused():
    data = zeros_member("xl/media/image1.png", 8 * MIB)  # well under the unpacked ceiling
    error = refusal("report.docx", data)
    assert error.code == "too_large"
    assert "compressed more than 100 to 1" in error.messages[0]


def test_a_central_directory_that_understates_the_size_is_refused():
    bomb = zeros_member("word/media/image1.png", 50 * MIB)
    lying = lie_about_size(bomb, "word/media/image1.png", bytes(1000))
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:  # Python's zipfile believes the lie
        assert archive.read("word/media/image1.png") == bytes(1000)

    error = refusal("report.docx", lying)

    assert error.code == "damaged"
    assert "table of contents does not match its content" in error.messages[0]


def test_a_member_sharing_another_members_bytes_is_refused():
    data = bytearray(make_docx(**{"word/media/a.png": b"x" * 5000, "word/media/b.png": b"y"}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        first = archive.getinfo("word/media/a.png").header_offset
    [central] = [offset for offset, name in central_entries(bytes(data)) if name.endswith("b.png")]
    struct.pack_into("<I", data, central + 42, first)  # b.png's entry now points at a.png
    assert refusal("report.docx", bytes(data)).code == "damaged"


def test_too_many_members_are_refused():
    members = {f"word/media/image{number}.png": b"" for number in range(5000)}
    error = refusal("report.docx", make_docx(**members))
    assert error.code == "too_many_members"
    assert "more than 5000 files" in error.messages[0]


# Nested archives --------------------------------------------------------------------------


def test_a_chart_workbook_embedded_in_a_report_is_accepted():
    data = make_docx(**{"word/embeddings/Microsoft_Excel_Worksheet.xlsx": make_xlsx()})
    assert validate_upload(SimpleUploadedFile("report.docx", data)).extension == "docx"


def test_a_bomb_inside_an_embedded_workbook_is_refused():
    inner = zeros_member("xl/media/image1.png", 8 * MIB)
    data = make_docx(**{"word/embeddings/Microsoft_Excel_Worksheet.xlsx": inner})
    assert len(data) < 100_000
    error = refusal("report.docx", data)
    assert error.code == "too_large"


def test_embedded_packages_share_one_budget(settings):
    """An embedded package counts twice, as a reader inflates it: itself, then its members."""
    settings.EVIDENCE_UPLOAD_MAX_UNPACKED_BYTES = 3 * MIB
    picture = random.Random(13).randbytes(MIB)  # as incompressible as a real photograph
    inner = make_docx(**{"word/media/image1.jpg": picture})
    one = make_docx(**{"word/embeddings/first.docx": inner})
    two = make_docx(**{"word/embeddings/first.docx": inner, "word/embeddings/second.docx": inner})
    assert validate_upload(SimpleUploadedFile("report.docx", one))
    assert refusal("report.docx", two).code == "too_large"


def test_a_package_nested_two_deep_is_refused():
    middle = make_docx(**{"word/embeddings/inner.xlsx": make_xlsx()})
    data = make_docx(**{"word/embeddings/middle.docx": middle})
    error = refusal("report.docx", data)
    assert error.code == "archive"
    assert "compressed archives inside it" in error.messages[0]


@pytest.mark.parametrize(
    "blob", [b"7z\xbc\xaf\x27\x1c" + bytes(40), b"Rar!\x1a\x07\x00" + bytes(40)], ids=["7z", "rar"]
)
def test_another_kind_of_archive_inside_is_refused(blob):
    data = make_odt(**{"Pictures/payload.bin": blob})
    assert refusal("letter.odt", data).code == "archive"


def test_a_compressed_picture_is_inflated_against_the_budget():
    small = make_docx(**{"word/media/image1.emz": gzip.compress(b"EMF picture" * 100)})
    assert validate_upload(SimpleUploadedFile("report.docx", small))
    bomb = make_docx(**{"word/media/image1.emz": gzip.compress(bytes(30 * MIB), 9)})
    assert refusal("report.docx", bomb).code == "too_large"


# Member names and methods -----------------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    ["../../etc/cron.d/evil", "/etc/passwd", "C:\\Windows\\evil.dll", "word\\..\\..\\evil.xml"],
)
def test_a_member_name_pointing_outside_is_refused(member):
    error = refusal("report.docx", make_docx(**{member: b"<x/>"}))
    assert error.code == "bad_member_name"
    assert "points outside the document" in error.messages[0]


def test_two_members_of_one_name_are_refused():
    buffer = io.BytesIO(make_docx())
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(buffer, "a") as archive,
    ):
        archive.writestr("word/document.xml", "<w:document/>")
    assert refusal("report.docx", buffer.getvalue()).code == "damaged"


def test_an_unusual_compression_method_is_refused():
    buffer = io.BytesIO(make_docx())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("word/media/image1.png", b"picture")
    error = refusal("report.docx", buffer.getvalue())
    assert error.code == "mismatch"
    assert "compression method" in error.messages[0]


def test_macros_in_an_embedded_workbook_are_refused():
    inner = make_xlsx()
    buffer = io.BytesIO(inner)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    data = make_docx(**{"word/embeddings/sheet.xlsx": buffer.getvalue()})
    assert refusal("report.docx", data).code == "macro"


# Through the service: nothing is saved ----------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["bomb", "lying sizes", "traversal"])
def test_a_refused_package_leaves_no_document_and_no_file(
    kind, docx_bomb, media, open_round, party, focal_point
):
    data = {
        "bomb": docx_bomb,
        "lying sizes": lie_about_size(
            zeros_member("word/media/image1.png", 20 * MIB), "word/media/image1.png", bytes(10)
        ),
        "traversal": make_docx(**{"../../evil.xml": b"<x/>"}),
    }[kind]
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)

    with pytest.raises(ValidationError):
        document_add(
            actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("r.docx", data)
        )

    assert not Document.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    draft.refresh_from_db()
    assert draft.version == 1


@pytest.mark.django_db
def test_a_normal_docx_is_still_stored(media, open_round, party, focal_point):
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    data = make_docx(**{"word/embeddings/Microsoft_Excel_Worksheet.xlsx": make_xlsx()})
    document = document_add(
        actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile("r.docx", data)
    )
    assert Document.objects.get() == document
    assert document.file.read() == data
