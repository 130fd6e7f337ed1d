"""PDFs are parsed (pypdf), not searched as bytes: active content written with name escapes or
packed into compressed object streams is found, and refused with nothing saved."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from submissions.models import Document
from submissions.services import document_add
from submissions.uploads import validate_upload
from tests.factories import make_evidence
from tests.submissions.sample_files import make_pdf, make_pdf_with_object_stream

OPEN_WITH_OBJECT_6 = b"/OpenAction 6 0 R"


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pypdf_document(**change) -> bytes:
    """A one-page PDF written by pypdf, changed by the callable given."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    for step in change.values():
        step(writer)
    return written(writer)


def rectangle() -> ArrayObject:
    return ArrayObject([NumberObject(72), NumberObject(72), NumberObject(200), NumberObject(90)])


def add_annotation(writer: PdfWriter, subtype: str, **entries) -> None:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): rectangle(),
            **{NameObject(f"/{key}"): value for key, value in entries.items()},
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def with_link(uri: str):
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(uri)}
    )
    return lambda writer: add_annotation(writer, "/Link", A=action)


def with_attachment_annotation(writer: PdfWriter) -> None:
    add_annotation(writer, "/FileAttachment", Contents=TextStringObject("payload"))


REFUSED = [
    # name, content, code, words in the message
    (
        "escaped-javascript.pdf",
        make_pdf(
            catalog=OPEN_WITH_OBJECT_6, extra_object=b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"
        ),
        "active_content",
        "contains JavaScript",
    ),
    (
        "escaped-launch.pdf",
        make_pdf(catalog=OPEN_WITH_OBJECT_6, extra_object=b"<< /S /L#61unch /F (cmd.exe) >>"),
        "active_content",
        "launch actions",
    ),
    (
        "object-stream.pdf",
        make_pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>"),
        "active_content",
        "contains JavaScript",
    ),
    (
        "field-action.pdf",
        make_pdf(catalog=b"/AA << /WC 6 0 R >>", extra_object=b"<< /S /JavaScript /JS 7 >>"),
        "active_content",
        "contains JavaScript",
    ),
    (
        "named-scripts.pdf",
        make_pdf(catalog=b"/Names << /JavaScript 6 0 R >>", extra_object=b"<< /Names [] >>"),
        "active_content",
        "contains JavaScript",
    ),
    (
        "javascript-link.pdf",
        pypdf_document(link=with_link(" JavaScript:alert(1)")),
        "active_content",
        "contains JavaScript",
    ),
    (
        "remote.pdf",
        make_pdf(
            catalog=OPEN_WITH_OBJECT_6, extra_object=b"<< /S /GoToR /F (\\\\\\\\evil\\\\x.pdf) >>"
        ),
        "active_content",
        "launch actions",
    ),
    (
        "attached.pdf",
        pypdf_document(attach=lambda writer: writer.add_attachment("run.exe", b"MZ payload")),
        "active_content",
        "attached files",
    ),
    (
        "annotation.pdf",
        pypdf_document(attach=with_attachment_annotation),
        "active_content",
        "attached files",
    ),
    (
        "xfa.pdf",
        make_pdf(catalog=b"/AcroForm << /Fields [] /XFA 6 0 R >>", extra_object=b"[]"),
        "active_content",
        "XFA forms",
    ),
    (
        "encrypted.pdf",
        pypdf_document(encrypt=lambda writer: writer.encrypt("", "owner", algorithm="RC4-128")),
        "encrypted",
        "encrypted or password-protected",
    ),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF\n", "unreadable", "damaged"),
]


@pytest.mark.parametrize(("name", "data", "code", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_active_content_in_a_pdf_is_refused(name, data, code, words):
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile(name, data))
    assert caught.value.code == code
    assert name in caught.value.messages[0]
    assert words in caught.value.messages[0]


def test_the_byte_search_could_not_have_seen_them():
    for name, data, _code, _words in REFUSED[:3]:
        assert b"/JavaScript" not in data and b"/Launch" not in data, name


ACCEPTED = [
    ("hand-made.pdf", make_pdf()),
    ("written-by-pypdf.pdf", pypdf_document()),
    ("go-to-page.pdf", make_pdf(catalog=b"/OpenAction [3 0 R /Fit]")),
    (
        "web-link.pdf",
        pypdf_document(link=with_link("https://unfccc.int/")),
    ),
]


@pytest.mark.parametrize(("name", "data"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_ordinary_pdfs_are_accepted(name, data):
    assert validate_upload(SimpleUploadedFile(name, data)).content_type == "application/pdf"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(len(REFUSED)), ids=[r[0] for r in REFUSED])
def test_a_refused_pdf_leaves_nothing_behind(index, media, open_round, party, focal_point):
    name, data, _code, _words = REFUSED[index]
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    with pytest.raises(ValidationError):
        document_add(
            actor=focal_point, evidence=draft, uploaded_file=SimpleUploadedFile(name, data)
        )
    assert not Document.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    draft.refresh_from_db()
    assert draft.version == 1
