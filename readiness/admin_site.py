from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _

from readiness import policy
from readiness.two_factor import verification_pending


class ReadinessAdminSite(admin.AdminSite):
    """The Django admin, open to round admins as decided by readiness.policy."""

    site_header = _("Article 6 Readiness Tracker administration")
    site_title = _("Article 6 Readiness Tracker")

    def has_permission(self, request):
        # Round admins, and only once their session passed the two-factor check.
        return policy.can_use_admin(request.user) and not verification_pending(request)

    def login(self, request, extra_context=None):
        return redirect_to_login(
            request.GET.get("next", request.get_full_path()), settings.LOGIN_URL
        )
