"""API rate limits. Rates come from settings.API_THROTTLE_RATES at each request, so operators
(and tests) can change them without a restart of the throttle classes."""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _SettingsRate:
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)


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
