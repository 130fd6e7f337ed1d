"""Pages kept compressed, with holes for the values that change on every request.

A cached public page is the same for every anonymous visitor except its CSRF token (the
language switch is a POST form), and gzip-compressing the overview's 136 KB of map again on
every request costs ten times the rest of the request. So the page is split at the token,
each piece is compressed once as raw deflate ending in a full flush (a byte boundary, no
reference to earlier data), and each response is put together as
    gzip header + piece 1 + the token (a stored block) + piece 2 + CRC-32 and length,
which is a valid gzip stream: deflate allows any sequence of blocks. The token goes in as a
stored (uncompressed) block: it is random, so compressing it gains nothing, and a compressor
costs more to set up than the rest of the splice. Only the compressed pieces are kept, with
each piece's CRC and length and the linear map that carries a CRC over the piece's length of
zeros (`Piece.shift`), so that the CRC of the whole is combined from them in 32 steps instead
of a pass over the page's length (`_crc_combine`); a client that does not take gzip gets the
pieces decompressed.
"""

import struct
import zlib
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime


@dataclass(frozen=True)
class Piece:
    compressed: bytes  # raw deflate, ending in a full flush (the last one: finished)
    crc: int
    size: int
    shift: tuple[int, ...]  # the images of the 32 bits of a CRC through `size` zero bytes


@dataclass(frozen=True)
class Page:
    pieces: tuple[Piece, ...]  # the page between the holes
    content_type: str


def _deflate(data: bytes, *, last: bool) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH
    )


def _inflate(data: bytes) -> bytes:
    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data)  # pieces need not be finished


def _stored(data: bytes) -> bytes:
    """`data` as stored deflate blocks, not final (the stream is at a byte boundary here: the
    pieces end on a full flush). Each block: a header byte (not final, type 00, the rest of the
    byte padding), then LEN and its one's complement, then the bytes as they are."""
    return b"".join(
        b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
        for chunk in (data[start : start + 0xFFFF] for start in range(0, len(data), 0xFFFF))
    )


def _shift_of(size: int) -> tuple[int, ...]:
    """CRC-32 is affine in its start value: crc32(zeros, x) = L(x) ^ crc32(zeros, 0) with L
    linear over GF(2). L's images of the 32 bits, so that L(x) costs 32 steps, not `size`."""
    zeros = bytes(size)
    base = zlib.crc32(zeros)
    return tuple(zlib.crc32(zeros, 1 << bit) ^ base for bit in range(32))


def _crc_combine(crc_a: int, piece: Piece) -> int:
    """CRC-32 of A + the piece from the CRC of A and the piece's CRC and shift:
    crc32(A + B) = crc32(zeros of len(B), crc32(A)) ^ crc32(B) ^ crc32(zeros of len(B))."""
    result = piece.crc
    for image in piece.shift:
        if crc_a & 1:
            result ^= image
        crc_a >>= 1
    return result


def prepare(text: str, hole: str | None, content_type: str = "text/html; charset=utf-8") -> Page:
    """`text` split at every occurrence of `hole`: a marker that only the template put there
    (readiness/results_cache.py makes one up per rendering), since each is filled in later."""
    parts = [part.encode() for part in (text.split(hole) if hole else [text])]
    pieces = tuple(
        Piece(
            _deflate(part, last=index == len(parts) - 1),
            zlib.crc32(part),
            len(part),
            _shift_of(len(part)) if index else (),  # the first starts from 0: nothing to carry
        )
        for index, part in enumerate(parts)
    )
    return Page(pieces, content_type)


def response(request: HttpRequest, page: Page, filling: str = "") -> HttpResponse:
    """The page with `filling` in every hole, gzip-compressed if the client accepts it."""
    value = filling.encode()
    answer = HttpResponse(content_type=page.content_type)
    patch_vary_headers(answer, ("Accept-Encoding",))
    if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        answer.content = value.join(_inflate(piece.compressed) for piece in page.pieces)
        return answer
    filled = _stored(value)
    crc, size, body = 0, 0, [GZIP_HEADER]
    for index, piece in enumerate(page.pieces):
        if index:
            crc, size = zlib.crc32(value, crc), size + len(value)
            body.append(filled)
            crc = _crc_combine(crc, piece)
        else:
            crc = piece.crc
        size += piece.size
        body.append(piece.compressed)
    body.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    answer.content = b"".join(body)
    answer["Content-Encoding"] = "gzip"
    return answer
