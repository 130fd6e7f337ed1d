"""Pages kept compressed, with holes for the values that change on every request.

A cached public page is the same for every anonymous visitor except its CSRF token (the
language switch is a POST form), and gzip-compressing the overview's 136 KB of map again on
every request costs ten times the rest of the request. So the page is split at the token,
each piece is compressed once as raw deflate ending in a full flush (a byte boundary, no
reference to earlier data), and each response is put together as
    gzip header + piece 1 + the token (compressed on its own) + piece 2 + CRC-32 and length,
which is a valid gzip stream: deflate allows any sequence of blocks. Only the compressed
pieces are kept, with each piece's CRC and length; the CRC of the whole is combined from them
(`_crc_combine`), and a client that does not take gzip gets the pieces decompressed.
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


def _crc_combine(crc_a: int, crc_b: int, size_b: int) -> int:
    """CRC-32 of A + B from the CRCs of A and B (CRC-32 is affine in its start value)."""
    zeros = bytes(size_b)
    return zlib.crc32(zeros, crc_a) ^ crc_b ^ zlib.crc32(zeros)


def prepare(text: str, hole: str | None, content_type: str = "text/html; charset=utf-8") -> Page:
    parts = [part.encode() for part in (text.split(hole) if hole else [text])]
    pieces = tuple(
        Piece(_deflate(part, last=index == len(parts) - 1), zlib.crc32(part), len(part))
        for index, part in enumerate(parts)
    )
    return Page(pieces, content_type)


def response(request: HttpRequest, page: Page, filling: str = "") -> HttpResponse:
    """The page with `filling` in every hole, gzip-compressed if the client accepts it."""
    value = filling.encode()
    answer = HttpResponse(content_type=page.content_type)
    patch_vary_headers(answer, ("Accept-Encoding",))
    if not re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")):
        answer.content = value.join(_inflate(piece.compressed) for piece in page.pieces)
        return answer
    filled = _deflate(value, last=False)
    crc, size, body = 0, 0, [GZIP_HEADER]
    for index, piece in enumerate(page.pieces):
        if index:
            crc, size = zlib.crc32(value, crc), size + len(value)
            body.append(filled)
        crc, size = _crc_combine(crc, piece.crc, piece.size), size + piece.size
        body.append(piece.compressed)
    body.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    answer.content = b"".join(body)
    answer["Content-Encoding"] = "gzip"
    return answer
