"""One answer to "who is the client": the API throttles, the login lockout and the
password-reset limit all take the client address from readiness.client_ip, through the one
setting TRUSTED_PROXY_COUNT. A client must not be able to choose its own throttle key by
sending X-Forwarded-For."""

import pytest
from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIClient

from readiness.api_throttles import AnonymousReadThrottle, WriteRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    settings.API_THROTTLE_RATES = {"write": "100/minute", "anonymous": "2/minute"}
    cache.clear()
    yield
    cache.clear()


def read_parties(remote: str, forwarded: str | None = None) -> int:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().get(reverse("api-party-list"), **extra).status_code


def test_without_a_proxy_a_forged_forwarded_header_does_not_change_the_throttle_key(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [
        read_parties("198.51.100.7", "203.0.113.1"),
        read_parties("198.51.100.7", "203.0.113.2"),
        read_parties("198.51.100.7", "203.0.113.3"),
        read_parties("198.51.100.7"),
    ]
    assert statuses == [200, 200, 429, 429]
    assert read_parties("198.51.100.8", "203.0.113.3") == 200  # another address, its own count


def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # What the client wrote itself (left of what the proxy appended) changes nothing.
    assert read_parties("10.0.0.2", "1.1.1.1, 203.0.113.5") == 200
    assert read_parties("10.0.0.2", "2.2.2.2, 203.0.113.5") == 200
    assert read_parties("10.0.0.2", "3.3.3.3, 203.0.113.5") == 429
    # Another client behind the same proxy is counted apart.
    assert read_parties("10.0.0.2", "203.0.113.9") == 200


@pytest.mark.parametrize(
    "proxies, forwarded",
    [
        (0, "203.0.113.5"),
        (1, "1.2.3.4, 203.0.113.5"),
        (2, "1.2.3.4, 203.0.113.5, 10.0.0.9"),
        (1, None),
        (1, "not-an-address"),
    ],
)
def test_the_lockout_and_the_throttles_agree_on_the_client(settings, proxies, forwarded):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    lockout_address = get_client_ip_address(request)
    assert lockout_address
    for throttle in (AnonymousReadThrottle(), WriteRateThrottle()):
        assert throttle.get_ident(Request(request)) == lockout_address
