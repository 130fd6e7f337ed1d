"""Real, minimal documents built byte by byte, for the upload tests."""

import io
import struct
import zipfile
import zlib


def make_pdf(*, extra_object: bytes = b"", padding: bytes = b"", catalog: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table; `padding` goes in a content stream,
    `catalog` into the catalog's dictionary, and `extra_object` becomes object 6."""
    stream = b"BT /F1 12 Tf 72 720 Td (Article 6 readiness) Tj ET\n" + padding
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
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


def make_pdf_with_object_stream(packed_object: bytes) -> bytes:
    """A PDF 1.5 whose catalog opens with object 4, stored compressed inside an object stream
    (object 5) and listed by a cross-reference stream (object 6)."""
    header = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    plain = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    index = b"4 0 "
    packed = zlib.compress(index + packed_object)
    object_stream = (
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(index), len(packed))
        + packed
        + b"\nendstream"
    )
    body, offsets = header, {}
    for number, content in [(1, plain[0]), (2, plain[1]), (3, plain[2]), (5, object_stream)]:
        offsets[number] = len(body)
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    offsets[6] = len(body)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 7):
        if number == 4:
            rows.append(struct.pack(">BIH", 2, 5, 0))  # in object stream 5, at index 0
        else:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    table = b"".join(rows)
    xref = (
        b"<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
        + table
        + b"\nendstream"
    )
    body += b"6 0 obj\n" + xref + b"\nendobj\n"
    return body + b"startxref\n%d\n%%%%EOF\n" % offsets[6]
