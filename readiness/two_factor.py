"""Two-factor authentication for reviewers and round admins (django-otp, TOTP).

After the password, such a user is sent to the set-up page (no confirmed device yet) or to the
verify page; until the session is verified every other page redirects there, and API requests
made with the session get a 403 in the API's error shape. API tokens are not asked for a code:
they are created only from a verified session. Other roles never see any of this."""

import functools
import time

from django.apps import apps
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import connections, router
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import middleware as otp_middleware
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness import policy
from readiness.api_errors import error_response
from readiness.services.two_factor import has_confirmed_device

# Reachable before the second factor: leaving, the two-factor pages themselves and the language.
OPEN_URL_NAMES = ("logout", "two-factor-setup", "two-factor-verify", "set_language")


def verification_pending(request: HttpRequest) -> bool:
    """Signed in with the password, but the second factor is still owed."""
    user = request.user
    if not user.is_authenticated or not policy.requires_two_factor(user):
        return False
    return not (hasattr(user, "is_verified") and user.is_verified())


def next_url(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    # Only a path of this site: redirect() would take a bare word for a URL name to reverse.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def step_url(request: HttpRequest) -> str:
    """Where a user owing the second factor goes: set-up or verification, then back here."""
    name = "two-factor-verify" if has_confirmed_device(request.user) else "two-factor-setup"
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware, reading the session's device with one hand-written statement
    (Model.objects.raw) rather than a filter(...).first() that cost more to compile than to run,
    on every request of a reviewer or round admin. django-otp's checks after it are unchanged:
    the device must be the user's and confirmed, else the session forgets it."""

    def _device_from_persistent_id(self, persistent_id: str):
        model_label, _slash, device_id = self._normalize_persistent_id(persistent_id).rpartition(
            "/"
        )
        try:
            model = apps.get_model(model_label)
            device_id = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(model, Device):
            return None
        sql = _device_sql(model, router.db_for_read(model))
        return next(iter(model.objects.raw(sql, [device_id])), None)


@functools.cache  # per process: the statement follows from the model, fixed while it runs
def _device_sql(model, alias: str) -> str:
    quote = connections[alias].ops.quote_name
    return "SELECT {columns} FROM {table} WHERE {pk} = %s".format(
        columns=", ".join(quote(field.column) for field in model._meta.concrete_fields),
        table=quote(model._meta.db_table),
        pk=quote(model._meta.pk.column),
    )


class TwoFactorMiddleware:
    """Holds a session that still owes the second factor on the two-factor pages. Must come
    after django_otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if verification_pending(request) and not self._open(request):
            if request.path_info.startswith("/api/"):
                if request.headers.get("Authorization", "").startswith("Token "):
                    return self.get_response(request)  # the token decides, not the session
                return error_response(
                    403,
                    "two_factor_required",
                    _("Finish the two-factor log-in in the browser first, or use an API token."),
                )
            return redirect(step_url(request))
        return self.get_response(request)

    @staticmethod
    def _open(request) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        return request.path_info in {reverse(name) for name in OPEN_URL_NAMES}


def verify(request: HttpRequest, code: str):
    """Checks a code from the authenticator app (six digits) or a backup code against the user's
    devices, with django-otp's throttling; returns the device that accepted it, or None."""
    code = code.strip().replace(" ", "").lower()
    model = TOTPDevice if code.isdigit() else StaticDevice
    for device in model.objects.devices_for_user(request.user, confirmed=True):
        accepted = verify_token(request.user, device.persistent_id, code)
        if accepted:
            return accepted
    return None


def seconds_to_wait(user) -> int:
    """How long the throttling (after wrong codes) still refuses every code, 0 if it does not."""
    waits = []
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.devices_for_user(user, confirmed=True):
            allowed, data = device.verify_is_allowed()
            if not allowed and data and data.get("locked_until"):
                waits.append((data["locked_until"] - timezone.now()).total_seconds())
    return max(0, round(max(waits))) if waits else 0


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows for `device` now — or for the next time step when
    the current one was already used (each code is accepted once). For the demo command and the
    browser tests; never shown for real accounts."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"
