"""The ZIP container of an uploaded DOCX, XLSX, ODT or ODS, checked before the file is stored.

The central directory says what each member holds, but whoever made the file wrote it, and a
reader that inflates a member (Word, LibreOffice, unzip) follows the compressed stream, not the
declared size. So the directory is checked first (cheap refusals), then every member is inflated
as a reader would, counting each byte against one budget for the whole file and comparing what
came out with what was declared. A package embedded in the document (a chart's workbook) is
checked the same way, against the same budget; one nested deeper is refused.
"""

import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_MEMBERS = 5000
MAX_RATIO = 100  # an Office document's XML rarely compresses better than 20 to 1
RATIO_GRACE_BYTES = 1024 * 1024  # tiny, repetitive parts may compress better; the budget caps them
MAX_NESTING = 1  # a package inside the document is inspected; a package inside that is refused
CHUNK_BYTES = 64 * 1024
SPOOL_BYTES = 1024 * 1024  # an embedded package larger than this is inspected from a temp file

LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
LOCAL_SIGNATURE = b"PK\x03\x04"
ZIP_MAGICS = (LOCAL_SIGNATURE, b"PK\x05\x06")
GZIP_MAGIC = b"\x1f\x8b"  # compressed pictures (.emz, .wmz) are gzip streams
REFUSED_ARCHIVE_MAGICS = (b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"BZh", b"\xfd7zXZ\x00")
MACRO_FOLDERS = ("basic/", "scripts/")  # OpenDocument's macro libraries


@dataclass
class _Budget:
    """What is left of the unpacked size the whole upload may inflate to."""

    limit: int
    used: int = 0

    def spend(self, size: int) -> bool:
        self.used += size
        return self.used <= self.limit


def check_archive(package: zipfile.ZipFile, handle, params: dict, *, max_unpacked: int) -> None:
    """Raises ValidationError unless every member of `package` (read from `handle`) is safe."""
    _check_members(package, handle, params, _Budget(max_unpacked), depth=0)


def _refuse(code: str, message: str, params: dict, **more) -> ValidationError:
    return ValidationError(message, code=code, params={**params, **more})


def _too_large(params: dict, budget: _Budget) -> ValidationError:
    message = _("“%(name)s” unpacks to more than %(limit)s.")
    return _refuse("too_large", message, params, limit=filesizeformat(budget.limit))


def _too_compressed(params: dict) -> ValidationError:
    message = _(
        "“%(name)s” is compressed more than %(ratio)d to 1, as only a decompression bomb is."
    )
    return _refuse("too_large", message, params, ratio=MAX_RATIO)


def _damaged(params: dict) -> ValidationError:
    message = _(
        "“%(name)s” is damaged or has been tampered with: its table of contents does not match "
        "its content. Save it again from the program that made it and try again."
    )
    return _refuse("damaged", message, params)


def _nested_archive(params: dict) -> ValidationError:
    message = _("“%(name)s” contains compressed archives inside it, which are not accepted.")
    return _refuse("archive", message, params)


def _check_members(package, handle, params, budget: _Budget, depth: int) -> None:
    members = package.infolist()
    _check_directory(members, params, budget)
    _check_layout(package, members, handle, params)
    for member in members:
        if not member.is_dir():
            _check_content(member, handle, params, budget, depth)


def _unsafe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        "\\" in name
        or path.is_absolute()
        or ".." in path.parts
        or (len(name) > 1 and name[1] == ":")  # a Windows drive, "C:..."
        or any(ord(character) < 32 for character in name)
    )


def _check_directory(members, params, budget: _Budget) -> None:
    """What the central directory alone can refuse."""
    if len(members) > MAX_MEMBERS:
        message = _("“%(name)s” contains more than %(limit)d files.")
        raise _refuse("too_many_members", message, params, limit=MAX_MEMBERS)
    names = [member.filename for member in members]
    for name in names:
        if _unsafe_member_name(name):
            message = _(
                "“%(name)s” contains a file named “%(member)s”, which points outside the document."
            )
            raise _refuse("bad_member_name", message, params, member=name[:80])
    if len(set(names)) != len(names):
        raise _damaged(params)  # two members of one name: readers disagree on which one counts
    if any(member.flag_bits & 0x1 for member in members):
        message = _("“%(name)s” is password-protected. Remove the password and try again.")
        raise _refuse("encrypted", message, params)
    if any(n.lower().startswith(MACRO_FOLDERS) or _is_vba(n) for n in names):
        message = _("“%(name)s” contains macros. Save it without macros and try again.")
        raise _refuse("macro", message, params)
    if any(m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for m in members):
        message = _("“%(name)s” uses a compression method that Office programs do not write.")
        raise _refuse("mismatch", message, params)
    if sum(member.file_size for member in members) > budget.limit - budget.used:
        raise _too_large(params, budget)
    if any(_over_ratio(member.file_size, member.compress_size) for member in members):
        raise _too_compressed(params)


def _is_vba(name: str) -> bool:
    return PurePosixPath(name).name.lower() == "vbaproject.bin"


def _over_ratio(unpacked: int, packed: int) -> bool:
    return unpacked > RATIO_GRACE_BYTES and unpacked > MAX_RATIO * max(packed, 1)


def _data_start(member: zipfile.ZipInfo, handle, params) -> int:
    """Where the member's compressed bytes begin, after its local header (which must agree with
    the central directory on the name)."""
    handle.seek(member.header_offset)
    header = handle.read(LOCAL_HEADER.size)
    if len(header) != LOCAL_HEADER.size or not header.startswith(LOCAL_SIGNATURE):
        raise _damaged(params)
    fields = LOCAL_HEADER.unpack(header)
    name_length, extra_length = fields[10], fields[11]
    raw_name = handle.read(name_length)
    encoding = "utf-8" if fields[3] & 0x800 else "cp437"
    if raw_name.decode(encoding, "replace") != member.orig_filename:
        raise _damaged(params)
    return member.header_offset + LOCAL_HEADER.size + name_length + extra_length


def _check_layout(package, members, handle, params) -> None:
    """Members may not overlap: entries that share compressed bytes make a small file inflate
    many times over."""
    spans = sorted(
        (_data_start(member, handle, params), member.compress_size, member.header_offset)
        for member in members
    )
    end_of_data = package.start_dir
    for (start, size, _offset), following in zip(spans, [*spans[1:], None], strict=True):
        next_header = following[2] if following else end_of_data
        if start + size > next_header:
            raise _damaged(params)


def _inflated_chunks(member: zipfile.ZipInfo, handle, params):
    """The member's content, chunk by chunk, inflated from the stream itself; checks that the
    stream is as long as declared. The caller checks the unpacked size."""
    handle.seek(_data_start(member, handle, params))
    if member.compress_type == zipfile.ZIP_STORED:
        left = member.compress_size
        while left:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                raise _damaged(params)
            left -= len(chunk)
            yield len(chunk), chunk
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    read, pending = 0, b""
    while not inflater.eof:
        if not pending:
            # Read past the declared compressed size if the stream goes on: it says where it ends.
            pending = handle.read(CHUNK_BYTES)
            if not pending:
                raise _damaged(params)
            read += len(pending)
        try:
            chunk = inflater.decompress(pending, CHUNK_BYTES)
        except zlib.error:
            raise _damaged(params) from None
        pending = inflater.unconsumed_tail
        yield read - len(pending) - len(inflater.unused_data), chunk
    if read - len(inflater.unused_data) != member.compress_size:
        raise _damaged(params)


def _check_content(member: zipfile.ZipInfo, handle, params, budget: _Budget, depth: int) -> None:
    unpacked, crc = 0, 0
    with _EmbeddedSpool() as embedded:
        for packed, chunk in _inflated_chunks(member, handle, params):
            unpacked += len(chunk)
            if unpacked > member.file_size:
                raise _damaged(params)  # a reader would inflate beyond what the directory says
            if not budget.spend(len(chunk)):
                raise _too_large(params, budget)
            if _over_ratio(unpacked, packed):
                raise _too_compressed(params)
            crc = zlib.crc32(chunk, crc)
            embedded.write(chunk)
        if unpacked != member.file_size or crc != member.CRC:
            raise _damaged(params)
        head = embedded.finish()
        if head.startswith(REFUSED_ARCHIVE_MAGICS):
            raise _nested_archive(params)
        if embedded.file is not None:
            _check_embedded(embedded.file, head, params, budget, depth)


class _EmbeddedSpool:
    """Keeps a member's content only if its first bytes say it is itself an archive."""

    HEAD_BYTES = 8

    def __init__(self):
        self.early: list[bytes] = []
        self.head = b""
        self.decided = False
        self.file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.file is not None:
            self.file.close()

    def write(self, chunk: bytes) -> None:
        if self.decided:
            if self.file is not None:
                self.file.write(chunk)
            return
        self.early.append(chunk)
        self.head += chunk[: self.HEAD_BYTES - len(self.head)]
        if len(self.head) == self.HEAD_BYTES:
            self._decide()

    def finish(self) -> bytes:
        if not self.decided:
            self._decide()
        if self.file is not None:
            self.file.seek(0)
        return self.head

    def _decide(self) -> None:
        self.decided = True
        if self.head.startswith((*ZIP_MAGICS, GZIP_MAGIC)):
            self.file = tempfile.SpooledTemporaryFile(SPOOL_BYTES)  # noqa: SIM115 closed on exit
            for chunk in self.early:
                self.file.write(chunk)
        self.early = []


def _check_embedded(spool, head: bytes, params, budget: _Budget, depth: int) -> None:
    if depth + 1 > MAX_NESTING:
        raise _nested_archive(params)
    if head.startswith(GZIP_MAGIC):
        _check_gzip(spool, params, budget)
        return
    try:
        with zipfile.ZipFile(spool) as embedded:
            _check_members(embedded, spool, params, budget, depth + 1)
    except zipfile.BadZipFile:
        raise _damaged(params) from None


def _check_gzip(spool, params, budget: _Budget) -> None:
    """Inflates a gzip stream (possibly of several members) against the budget."""
    packed = unpacked = 0
    pending, fed = b"", False
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while True:
        if not pending:
            pending = spool.read(CHUNK_BYTES)
            if not pending:
                break
            packed += len(pending)
        try:
            chunk = inflater.decompress(pending, CHUNK_BYTES)
        except zlib.error:
            raise _damaged(params) from None
        fed = True
        pending = inflater.unconsumed_tail
        unpacked += len(chunk)
        if not budget.spend(len(chunk)):
            raise _too_large(params, budget)
        if _over_ratio(unpacked, packed):
            raise _too_compressed(params)
        if inflater.eof:  # the next gzip member, if any, starts in what is left
            pending, fed = inflater.unused_data, False
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if fed and not inflater.eof:
        raise _damaged(params)
