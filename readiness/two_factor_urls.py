from django.urls import path

from readiness import two_factor_views

urlpatterns = [
    path("setup/", two_factor_views.setup, name="two-factor-setup"),
    path("backup-codes/", two_factor_views.backup_codes, name="two-factor-backup-codes"),
    path("verify/", two_factor_views.verify, name="two-factor-verify"),
    path("reset/<str:username>/", two_factor_views.reset, name="two-factor-reset"),
]
