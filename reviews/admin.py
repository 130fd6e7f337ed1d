from django.contrib import admin

from readiness.admin import PolicyAdmin, ReadOnlyAdmin
from reviews.models import Comment, Reply, Review


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    """Append-only: decisions are made on the evidence pages."""

    list_display = ("evidence", "decision", "awarded_level", "reviewer", "created_at")
    list_filter = ("decision",)
    list_select_related = ("evidence__party", "evidence__sub_pillar", "reviewer")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("evidence", "author", "created_at")
    list_select_related = ("evidence__party", "evidence__sub_pillar", "author")


@admin.register(Reply)
class ReplyAdmin(PolicyAdmin):
    """Read-only: replies are raised in the workspace and answered on the replies page."""

    list_display = ("party", "sub_pillar", "round", "status", "requested_level", "created_at")
    list_filter = ("status", "round")
    list_select_related = ("party", "sub_pillar", "round")
