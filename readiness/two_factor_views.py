"""The two-factor pages: set-up (QR code and secret, confirmed with a code), the backup codes
shown once, verification at each log-in, and the round admins' reset for another account."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from readiness import policy, two_factor
from readiness.services.two_factor import (
    has_confirmed_device,
    two_factor_reset,
    two_factor_setup_confirm,
    two_factor_setup_start,
)

BACKUP_CODES_SESSION_KEY = "two_factor_backup_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        help_text=gettext_lazy(
            "Kept in the account's history, e.g. “lost phone, identity checked by video call”."
        ),  # fmt: skip
    )


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return image.to_string(encoding="unicode")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _with_next(url_name: str, request: HttpRequest) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': two_factor.next_url(request)})}"


def _for_two_factor_roles(request: HttpRequest) -> None:
    if not policy.requires_two_factor(request.user):
        raise Http404


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    _for_two_factor_roles(request)
    if has_confirmed_device(request.user):
        return redirect(two_factor.next_url(request))
    device = two_factor_setup_start(actor=request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            codes = two_factor_setup_confirm(
                actor=request.user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error.message_dict["code"])
        else:
            otp_login(request, device)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            return redirect(_with_next("two-factor-backup-codes", request))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_code": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 (our own SVG of shapes)
        "secret": _grouped(secret),
        "next": two_factor.next_url(request),
    }
    return render(request, "two_factor/setup.html", context)


@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """The new backup codes, once: they leave the session as they are shown."""
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(two_factor.next_url(request))
    context = {"codes": codes, "next": two_factor.next_url(request)}
    return render(request, "two_factor/backup_codes.html", context)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    _for_two_factor_roles(request)
    if not has_confirmed_device(request.user):
        return redirect(_with_next("two-factor-setup", request))
    if not two_factor.verification_pending(request):
        return redirect(two_factor.next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        wait = two_factor.seconds_to_wait(request.user)
        device = None if wait else two_factor.verify(request, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(
                    request,
                    _("You used a backup code; %(left)s are left. If your phone is lost, ask a "
                      "round admin to reset your two-factor authentication.") % {"left": left},
                )  # fmt: skip
            return redirect(two_factor.next_url(request))
        form.add_error(
            "code",
            _("Too many wrong codes: wait %(seconds)s seconds, then enter the current code.")
            % {"seconds": wait}
            if wait
            else _("That code is not right. Enter the code your app shows now, or a backup code."),
        )
    context = {"form": form, "next": two_factor.next_url(request)}
    return render(request, "two_factor/verify.html", context)


@login_required
def reset(request: HttpRequest, username: str) -> HttpResponse:
    if not policy.is_round_admin(request.user):
        raise PermissionDenied
    user = get_object_or_404(get_user_model(), username=username)
    form = ResetForm(request.POST or None)
    if form.is_valid():
        try:
            two_factor_reset(actor=request.user, user=user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Two-factor authentication of %(user)s was reset: they set up a new device at "
                  "their next log-in.") % {"user": user.get_username()},
            )  # fmt: skip
            return redirect("admin:readiness_user_change", user.pk)
    context = {"form": form, "account": user, "has_device": has_confirmed_device(user)}
    return render(request, "two_factor/reset.html", context)
