"""The Django admin. Everything is visible to round admins; editing goes through services, and
is offered only where a service exists for it (methodology while in draft, accounts and Party
assignments). Round status changes are admin actions that call the same service as the pages."""

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import connection, models
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken as KnoxAuthToken
from simple_history.admin import SimpleHistoryAdmin

from readiness import policy, services
from readiness.api_tokens.models import ApiToken
from readiness.exceptions import DomainError
from readiness.models import (
    AssessmentRound,
    FactField,
    GradeBand,
    Grouping,
    OutboxMessage,
    Party,
    PartyAssignment,
    PartySnapshot,
    Pillar,
    RoundParty,
    RoundStatus,
    ScoreLevel,
    SubPillar,
    User,
)
from readiness.outbox import outbox_retry_now

# Roles are flags and Party assignments; Django's permission groups are not used. knox's own
# token admin (of a model swapped for ApiToken) lists digests: ApiTokenAdmin below replaces it.
admin.site.unregister(Group)
if admin.site.is_registered(KnoxAuthToken):
    admin.site.unregister(KnoxAuthToken)
# Two-factor devices are set up by their owners and reset through the two-factor service (see
# the "Two-factor authentication" line of an account); their secrets never show in the admin.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class PolicyPermissions:
    """Read-only for round admins unless a subclass routes writes through a service."""

    def has_module_permission(self, request):
        return policy.can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.can_use_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        """The add page's initial values from the query string, without those that are not a
        key of the related table: drawing the form looked them up, a 500 for a number no
        database integer holds."""
        initial = super().get_changeform_initial_data(request)
        return {key: value for key, value in initial.items() if _is_key_of(self.model, key, value)}


def _is_key_of(model, name: str, value) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return True  # not a field: the form ignores it
    if not field.is_relation:
        return True
    return _are_keys(field.target_field, value if isinstance(value, list) else [value])


def _are_keys(target, values) -> bool:
    """Whether every value could be a value of the key field `target` (a number in its range)."""
    try:
        keys = [target.to_python(value) for value in values]
    except ValidationError:
        return False
    internal_type = target.get_internal_type()
    if isinstance(target, models.IntegerField) or internal_type in ("AutoField", "BigAutoField"):
        low, high = connection.ops.integer_field_range(internal_type)
        return all(low <= key <= high for key in keys)
    return True


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up the submitted value unchecked to draw the chosen
    option: a value that is not a key (a word, a number too large) raised, a 500, where the form
    already says the choice is not valid."""

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field.model._meta.get_field(self.field.remote_field.field_name)
        keys = [key for key in value if key in (None, "") or _are_keys(target, [key])]
        return super().optgroups(name, keys, attr)


class ReadOnlyAdmin(PolicyPermissions, admin.ModelAdmin):
    """For append-only models without history (decisions, comments)."""


class PolicyAdmin(PolicyPermissions, SimpleHistoryAdmin):
    def history_view(self, request, object_id, extra_context=None):
        self._require_history(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a POST here with save_model, even on read-only admins: a revert
        # would bypass the services, so past versions are for reading only.
        if request.method == "POST":
            raise PermissionDenied(_("Past versions can be viewed but not restored."))
        self._require_history(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _require_history(self, object_id: str, version_id: str = "1") -> None:
        """simple-history looks the ids up unchecked: an id that is not a number (or a model
        without history) raised ValueError, a 500, where the admin answers 404."""
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            raise Http404
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            int(version_id)
        except (ValidationError, ValueError):
            raise Http404 from None


@admin.register(Grouping)
class GroupingAdmin(ReadOnlyAdmin):  # groupings keep no history
    list_display = ("code", "name_en", "name_zh", "kind")
    list_filter = ("kind",)


@admin.register(Party)
class PartyAdmin(PolicyAdmin):
    list_display = ("code", "name_en", "name_zh", "region", "subregion_en")
    list_filter = ("region", "groupings")
    search_fields = ("code", "name_en", "name_zh")


@admin.register(RoundParty)
class RoundPartyAdmin(PolicyAdmin):
    list_display = ("round", "party", "added_at")
    list_filter = ("round", "party__region")
    search_fields = ("party__code", "party__name_en", "party__name_zh")
    list_select_related = ("round", "party")


@admin.register(PartySnapshot)
class PartySnapshotAdmin(ReadOnlyAdmin):
    """What each round shows of its Parties (readiness/party_snapshots.py): taken by the
    services, frozen with a published round; for reading only."""

    list_display = ("round", "code", "name_en", "region", "subregion_en", "taken_at")
    list_filter = ("round", "region")
    search_fields = ("code", "name_en", "name_zh")
    list_select_related = ("round",)


class RoundPartyInline(admin.TabularInline):
    model = RoundParty
    fields = ("party", "added_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _transition_action(target: str, label):
    def action(modeladmin, request, queryset):
        for assessment_round in queryset:
            try:
                services.round_transition(
                    actor=request.user, assessment_round=assessment_round, target=target
                )
                modeladmin.message_user(request, f"{assessment_round}: {label}.")
            except (DomainError, PermissionDenied) as error:
                modeladmin.message_user(
                    request, f"{assessment_round}: {error}", level=messages.ERROR
                )

    action.__name__ = f"move_to_{target}"
    action.short_description = label
    return action


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(PolicyAdmin):
    list_display = ("name", "slug", "status", "data_cutoff", "submission_deadline")
    list_filter = ("status",)
    inlines = [RoundPartyInline]
    actions = [
        _transition_action(RoundStatus.OPEN, _("Open for submissions")),
        _transition_action(RoundStatus.REVIEW, _("Close submissions and start review")),
        _transition_action(RoundStatus.PUBLISHED, _("Publish")),
        _transition_action(RoundStatus.ARCHIVED, _("Archive")),
    ]

    def has_change_permission(self, request, obj=None):
        # Needed for the actions to appear; the fields themselves stay read-only.
        return policy.can_manage_rounds(request.user) and obj is None

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def _round_of(cleaned: dict, instance) -> AssessmentRound | None:
    if cleaned.get("round"):
        return cleaned["round"]
    if cleaned.get("pillar"):
        return cleaned["pillar"].round
    if cleaned.get("sub_pillar"):
        return cleaned["sub_pillar"].pillar.round
    return instance.methodology_round if instance.pk else None


class MethodologyForm(forms.ModelForm):
    """Refuses, inline, an edit that touches the methodology of a round not in draft."""

    def clean(self):
        cleaned = super().clean()
        rounds = [_round_of(cleaned, self.instance)]
        if self.instance.pk:
            rounds.append(self.instance.methodology_round)
        if any(r is not None and not r.methodology_editable for r in rounds):
            raise ValidationError(
                _(
                    "The methodology of this round can no longer change: it is editable only "
                    "while the round is in draft."
                )
            )
        return cleaned


class MethodologyAdmin(PolicyAdmin):
    form = MethodologyForm

    def _editable(self, request, obj) -> bool:
        if obj is None:
            return policy.can_manage_rounds(request.user)
        return policy.can_edit_methodology(request.user, obj.methodology_round)

    def has_add_permission(self, request):
        return policy.can_manage_rounds(request.user)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and self._editable(request, obj)

    def save_model(self, request, obj, form, change):
        services.methodology_item_save(actor=request.user, item=obj, reason="edited in admin")

    def delete_model(self, request, obj):
        services.methodology_item_delete(actor=request.user, item=obj, reason="deleted in admin")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Pillar)
class PillarAdmin(MethodologyAdmin):
    list_display = ("code", "name_en", "name_zh", "weight", "round")
    list_filter = ("round",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "round":
            kwargs["queryset"] = AssessmentRound.objects.filter(status=RoundStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SubPillar)
class SubPillarAdmin(MethodologyAdmin):
    list_display = ("code", "name_en", "name_zh", "pillar")
    list_filter = ("pillar__round", "pillar__code")
    list_select_related = ("pillar__round",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pillar":
            kwargs["queryset"] = Pillar.objects.filter(round__status=RoundStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SubPillarChildAdmin(MethodologyAdmin):
    list_select_related = ("sub_pillar__pillar__round",)
    list_filter = ("sub_pillar__pillar__round",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sub_pillar":
            kwargs["queryset"] = SubPillar.objects.filter(
                pillar__round__status=RoundStatus.DRAFT
            ).select_related("pillar")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ScoreLevel)
class ScoreLevelAdmin(SubPillarChildAdmin):
    list_display = ("sub_pillar", "score", "label_en", "label_zh")


@admin.register(FactField)
class FactFieldAdmin(SubPillarChildAdmin):
    list_display = ("sub_pillar", "key", "kind", "label_en", "min_level")


@admin.register(GradeBand)
class GradeBandAdmin(MethodologyAdmin):
    list_display = ("grade", "label_en", "label_zh", "min_total_rate", "min_pillar_rate", "round")
    list_filter = ("round",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "round":
            kwargs["queryset"] = AssessmentRound.objects.filter(status=RoundStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserAdminForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name", "is_active", "is_reviewer",
                  "is_round_admin")  # fmt: skip


@admin.register(User)
class UserAdmin(PolicyAdmin):
    form = UserAdminForm
    list_display = ("username", "email", "is_reviewer", "is_round_admin", "is_active")
    list_filter = ("is_reviewer", "is_round_admin", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")

    def get_readonly_fields(self, request, obj=None):
        return ("username", "two_factor") if obj else ()

    @admin.display(description=_("Two-factor authentication"))
    def two_factor(self, obj):
        device = TOTPDevice.objects.filter(user=obj, confirmed=True).first()
        state = (
            _("set up on %(date)s") % {"date": f"{device.created_at:%Y-%m-%d}"}
            if device and device.created_at
            else _("set up")
            if device
            else _("not set up")
        )
        if obj.is_system:
            return state
        url = reverse("two-factor-reset", args=[obj.get_username()])  # refuses one's own
        return format_html('{} · <a href="{}">{}</a>', state, url, _("Reset"))

    def has_add_permission(self, request):
        return policy.can_manage_assignments(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.can_manage_assignments(request.user) and not (obj and obj.is_system)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in
                  services.users.USER_EDITABLE_FIELDS}  # fmt: skip
        if change:
            services.user_update(actor=request.user, user=obj, reason="edited in admin", **fields)
            return
        created = services.user_create(
            actor=request.user,
            username=form.cleaned_data["username"],
            email=form.cleaned_data.get("email", ""),
            first_name=form.cleaned_data.get("first_name", ""),
            last_name=form.cleaned_data.get("last_name", ""),
            is_reviewer=form.cleaned_data.get("is_reviewer", False),
            is_round_admin=form.cleaned_data.get("is_round_admin", False),
        )
        obj.pk = created.pk


@admin.register(AccessAttempt)
class LoginLockoutAdmin(ReadOnlyAdmin):
    """Failed log-ins being counted (readiness/login_protection.py). Read-only: a lockout ends
    after the cool-off, with a password reset, or with `manage.py axes_reset_username`."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username", "ip_address")
    fields = ("username", "ip_address", "user_agent", "path_info", "failures_since_start",
              "attempt_time")  # fmt: skip


@admin.register(PartyAssignment)
class PartyAssignmentAdmin(PolicyAdmin):
    list_display = ("user", "party", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "party__code", "party__name_en")
    autocomplete_fields = ("user", "party")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_fields:
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return policy.can_manage_assignments(request.user)

    def has_delete_permission(self, request, obj=None):
        return policy.can_manage_assignments(request.user)

    def save_model(self, request, obj, form, change):
        created = services.party_assignment_add(
            actor=request.user, user=obj.user, party=obj.party, role=obj.role
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.party_assignment_remove(actor=request.user, assignment=obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """That tokens exist, whose, and until when; never the key nor its digest. Round admins can
    revoke one (deleting it through the service, recorded in the owner's history)."""

    list_display = ("name", "user", "prefix", "created", "expiry", "last_used")
    list_select_related = ("user",)
    search_fields = ("name", "user__username")
    fields = ("name", "user", "prefix", "created", "expiry", "last_used")
    readonly_fields = fields

    @admin.display(description=_("starts with"))
    def prefix(self, obj):
        return f"{obj.prefix}…"

    def has_delete_permission(self, request, obj=None):
        return policy.can_manage_assignments(request.user)

    def delete_model(self, request, obj):
        services.api_token_revoke(actor=request.user, token=obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class OutboxDeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [
            ("undelivered", _("Undelivered")),
            ("failed", _("Failed at least once, undelivered")),
            ("sent", _("Sent")),
            ("discarded", _("Not sent (demo data)")),
        ]

    def queryset(self, request, queryset):
        undelivered = queryset.filter(sent_at__isnull=True)
        return {
            "undelivered": undelivered,
            "failed": undelivered.filter(attempts__gt=0),
            "sent": queryset.filter(sent_at__isnull=False, discarded=""),
            "discarded": queryset.exclude(discarded=""),
        }.get(self.value(), queryset)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """E-mail waiting in, or sent from, the outbox (readiness/outbox.py). Read-only; undelivered
    mail can be made due now, e.g. once the mail server is back."""

    list_display = ("created_at", "kind", "recipient", "subject", "attempts", "next_attempt_at",
                    "sent_at", "last_error")  # fmt: skip
    list_filter = (OutboxDeliveryFilter, "kind")
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"
    fields = ("kind", "recipient", "subject", "body", "created_at", "attempts", "next_attempt_at",
              "last_error", "sent_at", "discarded")  # fmt: skip
    actions = ["retry_now"]

    def has_change_permission(self, request, obj=None):
        # Needed for the action to appear; the fields themselves stay read-only.
        return policy.can_manage_rounds(request.user) and obj is None

    @admin.action(description=_("Retry the selected undelivered e-mails now"))
    def retry_now(self, request, queryset):
        try:
            count = outbox_retry_now(
                actor=request.user, message_ids=queryset.values_list("pk", flat=True)
            )
        except PermissionDenied as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return
        self.message_user(request, _("%(count)d e-mails will be sent now.") % {"count": count})
