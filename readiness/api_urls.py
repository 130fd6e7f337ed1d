from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from readiness import api

urlpatterns = [
    path("parties/", api.PartyList.as_view(), name="api-party-list"),
    path("parties/<str:code>/", api.PartyDetail.as_view(), name="api-party-detail"),
    path("rounds/", api.RoundList.as_view(), name="api-round-list"),
    path("rounds/<slug:slug>/", api.RoundDetail.as_view(), name="api-round-detail"),
    path("rounds/<slug:slug>/results/", api.ResultList.as_view(), name="api-result-list"),
    path(
        "rounds/<slug:slug>/results/<str:code>/",
        api.ResultDetail.as_view(),
        name="api-result-detail",
    ),
    path("rounds/<slug:slug>/aggregates/", api.AggregateList.as_view(), name="api-aggregates"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
