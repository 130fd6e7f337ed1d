from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from readiness import api
from readiness.api_docs import SwaggerDocsView
from reviews import api as reviews_api
from submissions import api as submissions_api

urlpatterns = [
    path("parties/", api.PartyList.as_view(), name="api-party-list"),
    path("parties/<str:code>/", api.PartyDetail.as_view(), name="api-party-detail"),
    path("groupings/", api.GroupingList.as_view(), name="api-grouping-list"),
    path("rounds/", api.RoundList.as_view(), name="api-round-list"),
    path("rounds/<slug:slug>/", api.RoundDetail.as_view(), name="api-round-detail"),
    path(
        "rounds/<slug:slug>/methodology/",
        api.MethodologyDetail.as_view(),
        name="api-methodology",
    ),
    path("rounds/<slug:slug>/results/", api.ResultList.as_view(), name="api-result-list"),
    path(
        "rounds/<slug:slug>/results/<str:code>/",
        api.ResultDetail.as_view(),
        name="api-result-detail",
    ),
    path("rounds/<slug:slug>/aggregates/", api.AggregateList.as_view(), name="api-aggregates"),
    path(
        "rounds/<slug:slug>/exports/data-package.zip",
        api.ExportDataPackage.as_view(),
        name="api-export-package",
    ),
    path(
        "rounds/<slug:slug>/exports/<slug:dataset>.<str:extension>",
        api.ExportDataset.as_view(),
        name="api-export",
    ),
    path("evidence/", submissions_api.EvidenceList.as_view(), name="api-evidence-list"),
    path("evidence/<int:pk>/", submissions_api.EvidenceDetail.as_view(), name="api-evidence"),
    path(
        "evidence/<int:pk>/submit/",
        submissions_api.EvidenceSubmit.as_view(),
        name="api-evidence-submit",
    ),
    path(
        "evidence/<int:pk>/withdraw/",
        submissions_api.EvidenceWithdraw.as_view(),
        name="api-evidence-withdraw",
    ),
    path(
        "evidence/<int:pk>/documents/",
        submissions_api.DocumentList.as_view(),
        name="api-evidence-documents",
    ),
    path(
        "evidence/<int:pk>/decisions/",
        reviews_api.DecisionList.as_view(),
        name="api-evidence-decisions",
    ),
    path(
        "evidence/<int:pk>/revoke/",
        reviews_api.EvidenceRevoke.as_view(),
        name="api-evidence-revoke",
    ),
    path(
        "evidence/<int:pk>/comments/",
        reviews_api.CommentList.as_view(),
        name="api-evidence-comments",
    ),
    path("documents/<int:pk>/", submissions_api.DocumentDetail.as_view(), name="api-document"),
    path(
        "documents/<int:pk>/download/",
        submissions_api.DocumentDownload.as_view(),
        name="api-document-download",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
