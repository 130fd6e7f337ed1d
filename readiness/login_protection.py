"""Login lockout (django-axes) and the account pages around it.

After `AXES_FAILURE_LIMIT` failed log-ins for one username from one client address, that
pair is refused for `AXES_COOLOFF_TIME`; a successful log-in clears the count. The admin logs
in through the same page (ReadinessAdminSite.login redirects there), so it is covered too. A
completed password reset proves the owner and lifts their lockout; requests for reset e-mails
are limited per client address so the form cannot be used to flood mailboxes."""

from axes.helpers import get_client_username, get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _

from readiness.client_ip import client_ip


def _minutes(request) -> int:
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the lockout explained (AXES_LOCKOUT_CALLABLE)."""
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out_minutes": _minutes(request), "locked_out": True}
    return render(request, "registration/login.html", context, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited to PASSWORD_RESET_LIMIT requests per client address
    per PASSWORD_RESET_WINDOW seconds. The answer never says whether the address is known."""

    def form_valid(self, form):
        key = f"password-reset:{client_ip(self.request)}"
        cache.add(key, 0, timeout=settings.PASSWORD_RESET_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.PASSWORD_RESET_WINDOW)
            count = 1
        if count > settings.PASSWORD_RESET_LIMIT:
            form.add_error(
                None,
                _("Too many password reset requests from your network. Try again in {minutes} "
                  "minutes.").format(minutes=settings.PASSWORD_RESET_WINDOW // 60),
            )  # fmt: skip
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
