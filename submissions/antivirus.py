"""A client for clamd's INSTREAM command, used when CLAMD_URL is set.

CLAMD_URL is `tcp://host:port` or `unix:///path/to/clamd.ctl`. Every socket operation has a
timeout (CLAMD_TIMEOUT_SECONDS), so a hung scanner delays an upload by that much at most.
"""

import socket
import struct
from collections.abc import Iterable
from urllib.parse import urlparse

from django.conf import settings

CONNECT_TIMEOUT_SECONDS = 2.0
END_OF_STREAM = struct.pack(">I", 0)
MAX_REPLY_BYTES = 4096


class ScannerUnavailable(Exception):
    """clamd could not be reached or did not give a verdict."""


def is_configured() -> bool:
    return bool(getattr(settings, "CLAMD_URL", ""))


def _connect() -> socket.socket:
    url = urlparse(settings.CLAMD_URL)
    try:
        if url.scheme == "unix":
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(CONNECT_TIMEOUT_SECONDS)
            connection.connect(url.path)
        elif url.scheme == "tcp" and url.hostname and url.port:
            address = (url.hostname, url.port)
            connection = socket.create_connection(address, timeout=CONNECT_TIMEOUT_SECONDS)
        else:
            raise ScannerUnavailable("CLAMD_URL must be tcp://host:port or unix:///path")
    except OSError as error:
        raise ScannerUnavailable(f"cannot connect to clamd: {error}") from error
    connection.settimeout(settings.CLAMD_TIMEOUT_SECONDS)
    return connection


def _reply(connection: socket.socket) -> str:
    """clamd's answer, up to the NUL that ends it (the "z" commands) or the closed socket."""
    reply = b""
    while b"\0" not in reply and len(reply) < MAX_REPLY_BYTES:
        received = connection.recv(MAX_REPLY_BYTES)
        if not received:
            break
        reply += received
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def ping() -> bool:
    """Whether clamd answers PING."""
    try:
        with _connect() as connection:
            connection.sendall(b"zPING\0")
            return _reply(connection) == "PONG"
    except (OSError, ScannerUnavailable):
        return False


def scan(chunks: Iterable[bytes]) -> str | None:
    """The name of the signature the content matches, or None when clamd finds it clean.

    Raises ScannerUnavailable when no verdict could be had (unreachable, timed out, or clamd
    refused the stream, e.g. as larger than its StreamMaxLength)."""
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                if chunk:
                    connection.sendall(struct.pack(">I", len(chunk)) + chunk)
            connection.sendall(END_OF_STREAM)
            reply = _reply(connection)
    except OSError as error:  # clamd closes the socket when a stream exceeds its limit
        raise ScannerUnavailable(f"clamd did not finish the scan: {error}") from error
    verdict = reply.removeprefix("stream:").strip()
    if verdict == "OK":
        return None
    if verdict.endswith(" FOUND"):
        return verdict.removesuffix(" FOUND").strip() or "unknown"
    raise ScannerUnavailable(f"clamd answered {reply[:200]!r}")
