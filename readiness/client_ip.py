"""The client's IP address as seen through the configured number of reverse proxies.

Each proxy appends the address it received the request from to X-Forwarded-For, so with
`TRUSTED_PROXY_COUNT = n` the client is the n-th address from the right: everything left of it
was written by the client and may be forged. With 0 (no proxy) the header is ignored."""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    chain = [item for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if item]
    if not chain:
        return remote  # reached without the proxy (e.g. a health check from inside)
    # Fewer entries than proxies: every entry was still written by a trusted proxy.
    return _valid(chain[max(0, len(chain) - proxies)]) or remote
