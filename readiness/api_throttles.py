"""API rate limits. Rates come from settings.API_THROTTLE_RATES at each request, so operators
(and tests) can change them without a restart of the throttle classes."""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from readiness.client_ip import client_ip


class _SettingsRate:
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # The same client address as the login lockout's (TRUSTED_PROXY_COUNT), not DRF's
        # NUM_PROXIES: one setting decides who the client is.
        return client_ip(request) or "unknown"


class WriteRateThrottle(_SettingsRate, UserRateThrottle):
    """Writes (POST, PUT, PATCH, DELETE) per user, or per client address without a login."""

    scope = "write"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class AnonymousReadThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous reads per client address: generous, since many officials share one address."""

    scope = "anonymous"
