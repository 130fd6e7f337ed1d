from django.contrib import admin

from readiness.admin import PolicyAdmin
from submissions.models import Document, Evidence


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(PolicyAdmin):
    """Read-only: evidence changes only through the workspace and the review services."""

    list_display = ("pk", "party", "sub_pillar", "round", "status", "claimed_level",
                    "awarded_level", "updated_at")  # fmt: skip
    list_filter = ("round", "status", "sub_pillar__pillar__code", "party__region")
    search_fields = ("party__code", "party__name_en", "sub_pillar__code", "narrative")
    list_select_related = ("party", "sub_pillar", "round")
    inlines = [DocumentInline]


@admin.register(Document)
class DocumentAdmin(PolicyAdmin):
    list_display = ("original_name", "evidence", "content_type", "size", "uploaded_by",
                    "uploaded_at")  # fmt: skip
    search_fields = ("original_name", "sha256")
    list_select_related = ("evidence__party", "evidence__sub_pillar", "uploaded_by")
    exclude = ("file",)  # downloads go through the permission-checked view only
