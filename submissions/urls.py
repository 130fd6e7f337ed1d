from django.urls import path

from submissions import views

urlpatterns = [
    path("workspace/", views.workspace_index, name="workspace"),
    path("workspace/<slug:slug>/<str:code>/", views.workspace_party, name="workspace-party"),
    path(
        "workspace/<slug:slug>/<str:code>/<str:sub_pillar>/new/",
        views.evidence_create,
        name="evidence-create",
    ),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/edit/", views.evidence_edit, name="evidence-edit"),
    path("evidence/<int:pk>/submit/", views.evidence_submit, name="evidence-submit"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence-withdraw"),
    path("evidence/<int:pk>/documents/", views.document_upload, name="document-upload"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document-delete"),
    path("rounds/<slug:slug>/import/", views.evidence_import, name="evidence-import"),
    path("imports/<int:pk>/", views.import_job, name="import-job"),
    path(
        "rounds/<slug:slug>/import/template.<str:extension>",
        views.evidence_import_template,
        name="evidence-import-template",
    ),
]
