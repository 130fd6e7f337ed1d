"""Strict validation of uploaded evidence documents, before anything is stored.

Nothing the browser says about a file is trusted. The type comes from the name's extension and
must be confirmed by the content itself, which is read once, in chunks, while its SHA-256 is
computed and it is scanned for executable, archive, macro and script content. ZIP-based
documents are inflated against a budget (upload_archives), PDFs parsed (upload_pdfs), and, when
CLAMD_URL is set, every file that passed is scanned by clamd (antivirus).
"""

import codecs
import hashlib
import logging
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from submissions import antivirus
from submissions.upload_archives import check_archive
from submissions.upload_pdfs import check_pdf

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = {"pdf", "docx", "xlsx", "odt", "ods", "csv", "txt", "png", "jpg", "jpeg"}
EXTENSION_ALIASES = {"jpeg": "jpg"}
MAX_NAME_LENGTH = 255
ZIP_EXPANSION_FACTOR = 20  # with EVIDENCE_UPLOAD_MAX_UNPACKED_BYTES as the ceiling
HEAD_BYTES = 512  # enough for every signature below, including tar's at offset 257
OVERLAP = 64  # carried from one chunk to the next, so a marker split between them is still found
SMALL_MEMBER_BYTES = 1024 * 1024  # [Content_Types].xml and mimetype are a few kilobytes at most

# Bidirectional controls make "cod\u202egpj.pdf" display as "codfdp.jpg".
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

ZIP_MAGIC = b"PK\x03\x04"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class TypeRule:
    content_type: str
    magic: bytes = b""  # what the content must start with; text types have none
    ooxml_parts: tuple[str, ...] = ()  # members an Office Open XML package must contain
    odf_mimetype: str = ""  # the exact content of an OpenDocument package's "mimetype" member


TYPE_RULES = {
    "pdf": TypeRule("application/pdf", b"%PDF-"),
    "png": TypeRule("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": TypeRule("image/jpeg", b"\xff\xd8\xff"),
    "docx": TypeRule(DOCX, ZIP_MAGIC, ooxml_parts=("[Content_Types].xml", "word/document.xml")),
    "xlsx": TypeRule(XLSX, ZIP_MAGIC, ooxml_parts=("[Content_Types].xml", "xl/workbook.xml")),
    "odt": TypeRule(ODT, ZIP_MAGIC, odf_mimetype=ODT),
    "ods": TypeRule(ODS, ZIP_MAGIC, odf_mimetype=ODS),
    "csv": TypeRule("text/csv"),
    "txt": TypeRule("text/plain"),
}

EXECUTABLE_MAGICS = (
    b"\x7fELF",
    b"#!",  # a script
    *(b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"),  # Mach-O
    b"\xca\xfe\xba\xbe",  # a universal Mach-O, or Java class
)
ARCHIVE_MAGICS = (
    ZIP_MAGIC,
    b"PK\x05\x06",  # an empty ZIP
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"BZh",
    b"\xfd7zXZ\x00",
)
UTF8_BOM = b"\xef\xbb\xbf"
MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml")
# The tag names must end as a browser would end them, so that four random bytes in a compressed
# image ("<svG") do not refuse a genuine file.
ACTIVE_CONTENT = re.compile(rb"<(?:script|html|svg|iframe)[\s/>]|javascript:", re.IGNORECASE)


@dataclass(frozen=True)
class ValidatedUpload:
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


@dataclass
class _Scan:
    """What one pass over the content found."""

    head: bytes = b""
    size: int = 0
    sha256: str = ""
    is_utf8: bool = True
    has_nul: bool = False
    has_active_content: bool = False


def validate_upload(uploaded_file, *, max_bytes: int | None = None) -> ValidatedUpload:
    """Returns what was checked about `uploaded_file`, or raises ValidationError saying why not.

    Leaves the file at position 0 so that the caller can store it.
    """
    if max_bytes is None:
        max_bytes = getattr(settings, "EVIDENCE_UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
    name = uploaded_file.name or ""
    extension = _check_name(name)
    rule = TYPE_RULES[extension]
    shown = _displayable(name)
    if uploaded_file.size is not None and uploaded_file.size > max_bytes:
        raise _too_large(shown, max_bytes)
    try:
        scan = _scan(uploaded_file, shown, max_bytes)
        if scan.size == 0:
            raise _refuse("empty", _("“%(name)s” is empty."), name=shown)
        _check_content(uploaded_file, shown, extension, rule, scan, max_bytes)
        _check_for_viruses(uploaded_file, shown)
    finally:
        uploaded_file.seek(0)
    return ValidatedUpload(name, extension, rule.content_type, scan.size, scan.sha256)


def _refuse(code: str, message: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params)


def _too_large(shown: str, max_bytes: int) -> ValidationError:
    return _refuse(
        "too_large",
        _("“%(name)s” is too large: the limit is %(limit)s."),
        name=shown,
        limit=filesizeformat(max_bytes),
    )


def _is_unsafe_character(character: str) -> bool:
    return character in BIDI or unicodedata.category(character) in CONTROL_CATEGORIES


def _displayable(name: str) -> str:
    """The name as it can be shown back safely: no control characters, not overly long."""
    shown = "".join("\ufffd" if _is_unsafe_character(c) else c for c in name)
    return shown if len(shown) <= 80 else f"{shown[:79]}…"


def _check_name(name: str) -> str:
    """Refuses an unsafe or unaccepted name; returns its normalised extension."""
    shown = _displayable(name)
    if not name:
        raise _refuse("bad_name", _("The file has no name."))
    if len(name) > MAX_NAME_LENGTH:
        message = _("The name of “%(name)s” is too long: at most %(limit)d characters.")
        raise _refuse("bad_name", message, name=shown, limit=MAX_NAME_LENGTH)
    if "/" in name or "\\" in name or ".." in name:
        message = _("The name “%(name)s” must not contain folder names, “/”, “\\” or “..”.")
        raise _refuse("bad_name", message, name=shown)
    if any(_is_unsafe_character(c) for c in name):
        message = _("The name “%(name)s” contains invisible control characters.")
        raise _refuse("bad_name", message, name=shown)
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower()
    accepted = ", ".join(sorted(f".{e}" for e in ALLOWED_EXTENSIONS))
    if not stem or not dot or not extension:
        message = _("“%(name)s” has no file type extension. Accepted: %(accepted)s.")
        raise _refuse("extension", message, name=shown, accepted=accepted)
    if extension not in ALLOWED_EXTENSIONS:
        message = _("“%(name)s”: .%(extension)s files are not accepted. Accepted: %(accepted)s.")
        raise _refuse("extension", message, name=shown, extension=extension, accepted=accepted)
    return EXTENSION_ALIASES.get(extension, extension)


def _scan(uploaded_file, shown: str, max_bytes: int) -> _Scan:
    scan = _Scan()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    carried = b""
    for chunk in uploaded_file.chunks():
        scan.size += len(chunk)
        if scan.size > max_bytes:  # the declared size was wrong
            raise _too_large(shown, max_bytes)
        digest.update(chunk)
        if len(scan.head) < HEAD_BYTES:
            scan.head += chunk[: HEAD_BYTES - len(scan.head)]
        window = carried + chunk
        scan.has_active_content = scan.has_active_content or bool(ACTIVE_CONTENT.search(window))
        scan.has_nul = scan.has_nul or b"\x00" in chunk
        scan.is_utf8 = scan.is_utf8 and _decodes(decoder, chunk)
        carried = window[-OVERLAP:]
    scan.is_utf8 = scan.is_utf8 and _decodes(decoder, b"", final=True)
    scan.sha256 = digest.hexdigest()
    return scan


def _decodes(decoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _is_executable(head: bytes) -> bool:
    # "MZ" alone would also refuse a CSV of Mozambique ("MZ,...") so a Windows program is
    # recognised by the binary header that always follows it.
    return head.startswith(EXECUTABLE_MAGICS) or (head[:2] == b"MZ" and b"\x00" in head[2:64])


def _is_archive(head: bytes) -> bool:
    return head.startswith(ARCHIVE_MAGICS) or head[257:262] == b"ustar"


def _check_content(uploaded_file, shown, extension, rule, scan, max_bytes) -> None:
    params = {"name": shown, "extension": extension}
    if _is_executable(scan.head):
        message = _("“%(name)s” is a program, not a .%(extension)s document.")
        raise _refuse("executable", message, **params)
    archive = _("“%(name)s” is a compressed archive, not a .%(extension)s document.")
    mismatch = _("“%(name)s” is not a genuine .%(extension)s file: its content is of another type.")
    if not rule.magic:
        if (scan.has_nul or not scan.is_utf8) and _is_archive(scan.head):
            raise _refuse("archive", archive, **params)
        if not scan.is_utf8:
            message = _("“%(name)s” is not UTF-8 text. Save it with UTF-8 encoding and try again.")
            raise _refuse("encoding", message, **params)
        if scan.has_nul:
            raise _refuse("mismatch", mismatch, **params)
    elif not scan.head.startswith(rule.magic):
        code, message = ("archive", archive) if _is_archive(scan.head) else ("mismatch", mismatch)
        raise _refuse(code, message, **params)
    elif rule.magic == ZIP_MAGIC:
        _check_package(uploaded_file, params, max_bytes, archive, mismatch)

    leading = scan.head.removeprefix(UTF8_BOM).lstrip().lower()
    if scan.has_active_content or (not rule.magic and leading.startswith(MARKUP_STARTS)):
        message = _("“%(name)s” contains web page or script content, which is not accepted.")
        raise _refuse("active_content", message, **params)
    if extension == "pdf":
        check_pdf(uploaded_file, params)


def _check_package(uploaded_file, params, max_bytes, archive, mismatch) -> None:
    """Checks that a ZIP is the package its extension names, safe to unpack and without macros."""
    ceiling = settings.EVIDENCE_UPLOAD_MAX_UNPACKED_BYTES
    max_unpacked = min(ZIP_EXPANSION_FACTOR * max_bytes, ceiling)
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as package:
            check_archive(package, uploaded_file, params, max_unpacked=max_unpacked)
            names = set(package.namelist())
            content_types = _read_small(package, names, "[Content_Types].xml").lower()
            if b"macroenabled" in content_types:
                message = _("“%(name)s” contains macros. Save it without macros and try again.")
                raise _refuse("macro", message, **params)
            kind = _package_kind(names, _read_small(package, names, "mimetype"))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
        raise _refuse("mismatch", mismatch, **params) from None
    if kind != params["extension"]:
        raise _refuse("mismatch" if kind else "archive", mismatch if kind else archive, **params)


def _check_for_viruses(uploaded_file, shown: str) -> None:
    """When CLAMD_URL is set, nothing is stored that clamd has not called clean; when clamd
    cannot give a verdict the upload is refused (fail closed), not stored unscanned."""
    if not antivirus.is_configured():
        return
    uploaded_file.seek(0)
    try:
        signature = antivirus.scan(uploaded_file.chunks())
    except antivirus.ScannerUnavailable:
        logger.warning("upload refused: the virus scanner gave no verdict", exc_info=True)
        message = _(
            "“%(name)s” cannot be scanned for viruses right now, so it was not stored. "
            "Please try again in a few minutes."
        )
        raise _refuse("scan_unavailable", message, name=shown) from None
    if signature:
        logger.warning("upload refused: clamd found %s", signature)
        message = _("“%(name)s” was refused: the virus scanner found %(signature)s in it.")
        raise _refuse("infected", message, name=shown, signature=signature[:100])


def _read_small(package: zipfile.ZipFile, names: set[str], member: str) -> bytes:
    if member not in names:
        return b""
    with package.open(member) as handle:
        return handle.read(SMALL_MEMBER_BYTES)


def _package_kind(names: set[str], odf_mimetype: bytes) -> str | None:
    """The extension whose package structure these members have, if any."""
    for extension, rule in TYPE_RULES.items():
        if rule.ooxml_parts and names.issuperset(rule.ooxml_parts):
            return extension
        if rule.odf_mimetype and odf_mimetype == rule.odf_mimetype.encode():
            return extension
    return None
