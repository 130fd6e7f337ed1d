from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from readiness import health, methodology_views, public_views, round_views, views
from readiness.login_protection import PasswordResetConfirmView, PasswordResetView

account_urls = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("token/", views.api_token, name="api-token"),
    path("token/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("two-factor/", include("readiness.two_factor_urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

results_urls = [
    path("", public_views.overview, name="results-overview"),
    path("parties/", public_views.parties, name="results-parties"),
    path("parties/<str:code>/", public_views.profile, name="results-profile"),
    path("findings/", public_views.key_findings, name="results-findings"),
    path("data/package.zip", public_views.data_package, name="results-data-package"),
    path("data/<slug:dataset>.<str:extension>", public_views.download, name="results-download"),
]

methodology_urls = [
    path("", methodology_views.methodology_edit, name="methodology-edit"),
    path("bands/", methodology_views.methodology_bands, name="methodology-bands"),
    path(
        "sub-pillar/<int:pk>/levels/",
        methodology_views.methodology_levels,
        name="methodology-levels",
    ),
    path("<str:kind>/add/", methodology_views.methodology_item_add, name="methodology-item-add"),
    path(
        "<str:kind>/<int:pk>/",
        methodology_views.methodology_item_edit,
        name="methodology-item-edit",
    ),
    path(
        "<str:kind>/<int:pk>/delete/",
        methodology_views.methodology_item_delete,
        name="methodology-item-delete",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("results/", public_views.latest, name="results-latest"),
    path("results/<slug:slug>/", include(results_urls)),
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/new/", round_views.round_create, name="round-create"),
    path("rounds/compare/", round_views.round_compare, name="round-compare"),
    path("rounds/<slug:slug>/", views.round_detail, name="round-detail"),
    path("rounds/<slug:slug>/transition/", views.round_transition, name="round-transition"),
    path("rounds/<slug:slug>/members/", round_views.round_membership, name="round-membership"),
    path(
        "rounds/<slug:slug>/carry-forward/",
        round_views.round_carry_forward,
        name="round-carry-forward",
    ),
    path("rounds/<slug:slug>/parties/<str:code>/", views.party_result, name="party-result"),
    path("rounds/<slug:slug>/methodology/", include(methodology_urls)),
    path("parties/", views.party_list, name="party-list"),
    path("parties/<str:code>/", views.party_detail, name="party-detail"),
    path("", include("submissions.urls")),
    path("", include("reviews.urls")),
    path("api/v1/", include("readiness.api_urls")),
    path("accounts/", include(account_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "readiness.api_errors.bad_request"
handler404 = "readiness.api_errors.not_found"
handler500 = "readiness.api_errors.server_error"
