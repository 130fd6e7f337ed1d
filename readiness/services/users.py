from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from readiness import policy
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


@transaction.atomic
def api_token_create(*, actor: User) -> str:
    """A new API token for the user's own scripts; any earlier one stops working. The key is
    shown once."""
    from rest_framework.authtoken.models import Token

    policy.require(actor.is_authenticated and actor.is_active, "Log in first.")
    Token.objects.filter(user=actor).delete()
    return Token.objects.create(user=actor).key


@transaction.atomic
def api_token_revoke(*, actor: User) -> bool:
    from rest_framework.authtoken.models import Token

    deleted, _ = Token.objects.filter(user=actor).delete()
    return bool(deleted)
