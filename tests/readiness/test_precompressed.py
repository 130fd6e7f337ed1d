"""Pages stored compressed with holes: every response must be exactly the filled-in text,
as gzip a browser can read and as plain text."""

import gzip

import pytest
from django.test import RequestFactory

from readiness import precompressed

HOLE = "@@hole@@"
PAGES = [
    "<p>no hole at all</p>",
    f"{HOLE}<p>a hole first</p>",
    f"<p>a hole last</p>{HOLE}",
    f"<form>{HOLE}</form>" + "<path d='M1 2L3 4'/>" * 5000 + f"<form>{HOLE}</form>",  # 100 KB
    f"中文 {HOLE} ünïcode {HOLE}{HOLE}",
]


@pytest.mark.parametrize("text", PAGES)
@pytest.mark.parametrize("filling", ["", "x" * 64, "令牌-token", "z" * 70_000])  # > a stored block
def test_every_response_is_the_filled_in_page(text, filling):
    page = precompressed.prepare(text, HOLE)
    expected = text.replace(HOLE, filling).encode()
    browser = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    compressed = precompressed.response(browser, page, filling)
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == expected  # checks the CRC and the length
    plain = precompressed.response(RequestFactory().get("/"), page, filling)
    assert plain.content == expected and not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in compressed["Vary"] and "Accept-Encoding" in plain["Vary"]


def test_the_stored_page_is_compressed():
    text = f"<form>{HOLE}</form>" + "<path d='M1 2L3 4'/>" * 5000
    page = precompressed.prepare(text, HOLE)
    assert sum(len(piece.compressed) for piece in page.pieces) < len(text) / 20
