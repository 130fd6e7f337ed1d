from django.urls import path

from reviews import views

urlpatterns = [
    path("evidence/<int:pk>/decide/", views.review_decide, name="review-decide"),
    path("evidence/<int:pk>/revoke/", views.review_revoke, name="review-revoke"),
    path("evidence/<int:pk>/comments/", views.comment_add, name="comment-add"),
    path("reviews/", views.review_queue, name="review-queue"),
    path("reviews/bulk/preview/", views.bulk_preview, name="bulk-preview"),
    path("reviews/bulk/confirm/", views.bulk_confirm, name="bulk-confirm"),
    path("reviews/replies/", views.reply_list, name="reply-list"),
    path("reviews/replies/<int:pk>/answer/", views.reply_answer, name="reply-answer"),
    path(
        "workspace/<slug:slug>/<str:code>/<str:sub_pillar>/reply/",
        views.reply_raise,
        name="reply-raise",
    ),
    path("rounds/<slug:slug>/reply-window/", views.reply_window, name="reply-window"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("audit/parties/<str:code>/", views.party_audit_log, name="party-audit"),
]
