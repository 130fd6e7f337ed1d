import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from readiness import policy
from readiness.api_tokens.models import NAME_MAX_LENGTH, ApiToken
from readiness.history import tracked_delete, tracked_save
from readiness.models import SYSTEM_USERNAME, AssignmentRole, Party, PartyAssignment, User


def system_user() -> User:
    """The named account that background work and operator commands act as."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_round_admin": True, "first_name": "System", "email": ""},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    email: str = "",
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    is_reviewer: bool = False,
    is_round_admin: bool = False,
) -> User:
    policy.require(policy.can_manage_assignments(actor), "Only round admins may create accounts.")
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username “{username}” is already taken."})
    user = get_user_model()(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_reviewer=is_reviewer,
        is_round_admin=is_round_admin,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    tracked_save(user, actor=actor, reason="account created")
    return user


@transaction.atomic
def party_assignment_add(
    *, actor: User, user: User, party: Party, role: AssignmentRole
) -> PartyAssignment:
    policy.require(policy.can_manage_assignments(actor), "Only round admins may assign Parties.")
    if role not in AssignmentRole.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    existing = PartyAssignment.objects.filter(user=user, party=party, role=role).first()
    if existing:
        return existing
    assignment = PartyAssignment(user=user, party=party, role=role)
    tracked_save(assignment, actor=actor, reason=f"assigned as {role} for {party.code}")
    return assignment


@transaction.atomic
def party_assignment_remove(*, actor: User, assignment: PartyAssignment) -> None:
    policy.require(policy.can_manage_assignments(actor), "Only round admins may assign Parties.")
    tracked_delete(
        assignment,
        actor=actor,
        reason=f"unassigned as {assignment.role} for {assignment.party.code}",
    )


USER_EDITABLE_FIELDS = ("email", "first_name", "last_name", "is_active", "is_reviewer",
                        "is_round_admin")  # fmt: skip


@transaction.atomic
def user_update(*, actor: User, user: User, reason: str = "", **changes) -> User:
    """Changes an account's contact details, roles or active flag."""
    policy.require(policy.can_manage_assignments(actor), "Only round admins may change accounts.")
    unknown = set(changes) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These account fields cannot be changed here: {sorted(unknown)}.")
    if user.is_system:
        raise ValidationError("The system account cannot be changed.")
    if user.pk == actor.pk and changes.get("is_round_admin") is False:
        raise ValidationError({"is_round_admin": "You cannot remove your own round admin role."})
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean()
    tracked_save(user, actor=actor, reason=reason or "account updated")
    return user


def _record_on_account(user: User, *, actor: User, reason: str) -> None:
    """Tokens have no history of their own: each creation and revocation is a history row of
    the owner's account, naming who did it (as for two-factor devices)."""
    account = get_user_model().objects.select_for_update().get(pk=user.pk)
    tracked_save(account, actor=actor, reason=reason)


def _clean_token_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("At most {limit} characters.").format(limit=NAME_MAX_LENGTH)}
        )
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise ValidationError({"name": _("The name cannot contain control characters.")})
    return name


@transaction.atomic
def api_token_create(*, actor: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new named API token for the actor's own scripts, valid for `days` (1 to
    API_TOKEN_DAYS; the maximum by default). Earlier tokens keep working. Returns the token and
    its key: only the key's digest is stored, so this is the one time the key is known."""
    policy.require(actor.is_authenticated and actor.is_active, _("Log in first."))
    name = _clean_token_name(name)
    days = settings.API_TOKEN_DAYS if days is None else days
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not 1 <= days <= settings.API_TOKEN_DAYS
    ):
        raise ValidationError(
            {"days": _("Between 1 and {limit} days.").format(limit=settings.API_TOKEN_DAYS)}
        )
    token, key = ApiToken.objects.create(user=actor, expiry=timedelta(days=days), name=name)
    _record_on_account(
        actor, actor=actor, reason=f"API token “{name}” ({token.prefix}…) created, {days} days"
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    """Revokes one token: its owner, or a round admin (from the admin). It stops working at
    once."""
    policy.require(
        actor.is_authenticated
        and (token.user_id == actor.pk or policy.can_manage_assignments(actor)),
        _("Only the token's owner or a round admin may revoke it."),
    )
    owner = token.user
    deleted, _count = ApiToken.objects.filter(pk=token.pk).delete()
    if deleted:
        _record_on_account(
            owner, actor=actor, reason=f"API token “{token.name}” ({token.prefix}…) revoked"
        )
