import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from readiness.models import AssignmentRole, PartyAssignment, User
from readiness.services import (
    party_assignment_add,
    party_assignment_remove,
    system_user,
    user_create,
    user_update,
)

pytestmark = pytest.mark.django_db


def test_user_create_records_who_created_the_account(round_admin):
    user = user_create(
        actor=round_admin, username="new.reviewer", password="x" * 20, is_reviewer=True
    )
    assert user.is_reviewer and user.check_password("x" * 20)
    record = user.history.get()
    assert (record.history_user, record.history_change_reason) == (round_admin, "account created")


def test_user_create_without_password_leaves_it_unusable(round_admin):
    assert not user_create(actor=round_admin, username="invitee").has_usable_password()


def test_user_create_refuses_a_taken_username_case_insensitively(round_admin):
    with pytest.raises(ValidationError, match="already taken"):
        user_create(actor=round_admin, username="ROUND.ADMIN")
    assert User.objects.count() == 1


def test_user_create_refuses_an_invalid_username(round_admin):
    with pytest.raises(ValidationError):
        user_create(actor=round_admin, username="no spaces allowed")
    assert User.objects.count() == 1


@pytest.mark.parametrize("role", ["reviewer", "focal_point", "analyst", "registered_user"])
def test_only_round_admins_create_accounts(request, role):
    actor = request.getfixturevalue(role)
    count = User.objects.count()
    with pytest.raises(PermissionDenied):
        user_create(actor=actor, username="someone")
    assert User.objects.count() == count


def test_assignment_add_is_idempotent_and_recorded(round_admin, registered_user, party):
    first = party_assignment_add(
        actor=round_admin, user=registered_user, party=party, role=AssignmentRole.ANALYST
    )
    second = party_assignment_add(
        actor=round_admin, user=registered_user, party=party, role=AssignmentRole.ANALYST
    )
    assert first.pk == second.pk
    record = PartyAssignment.history.get()
    assert record.history_user == round_admin
    assert record.history_change_reason == "assigned as analyst for GHA"


def test_assignment_add_refuses_an_unknown_role(round_admin, registered_user, party):
    with pytest.raises(ValidationError, match="Unknown role"):
        party_assignment_add(actor=round_admin, user=registered_user, party=party, role="boss")
    assert not PartyAssignment.objects.exists()


def test_assignment_add_is_refused_to_focal_points(focal_point, registered_user, party):
    with pytest.raises(PermissionDenied):
        party_assignment_add(
            actor=focal_point, user=registered_user, party=party, role=AssignmentRole.FOCAL_POINT
        )
    assert not PartyAssignment.objects.filter(user=registered_user).exists()


def test_assignment_remove_is_recorded(round_admin, focal_point):
    assignment = PartyAssignment.objects.get(user=focal_point)
    party_assignment_remove(actor=round_admin, assignment=assignment)
    assert not PartyAssignment.objects.filter(user=focal_point).exists()
    record = PartyAssignment.history.filter(history_type="-").get()
    assert record.history_user == round_admin


def test_assignment_remove_is_refused_to_reviewers(reviewer, focal_point):
    assignment = PartyAssignment.objects.get(user=focal_point)
    with pytest.raises(PermissionDenied):
        party_assignment_remove(actor=reviewer, assignment=assignment)
    assert PartyAssignment.objects.filter(pk=assignment.pk).exists()


def test_user_update_changes_roles_with_history(round_admin, registered_user):
    user_update(actor=round_admin, user=registered_user, is_reviewer=True, reason="joined")
    registered_user.refresh_from_db()
    assert registered_user.is_reviewer
    assert registered_user.history.first().history_change_reason == "joined"
    assert registered_user.history.first().history_user == round_admin


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"is_superuser": True}, "cannot be changed here"),
        ({"password": "x"}, "cannot be changed here"),
        ({"email": "not-an-address"}, "valid email"),
    ],
)
def test_user_update_refuses_bad_changes(round_admin, registered_user, changes, message):
    with pytest.raises(ValidationError, match=message):
        user_update(actor=round_admin, user=registered_user, **changes)
    registered_user.refresh_from_db()
    assert not registered_user.is_superuser and "@example.org" in registered_user.email


def test_round_admins_cannot_demote_themselves(round_admin):
    with pytest.raises(ValidationError, match="your own round admin role"):
        user_update(actor=round_admin, user=round_admin, is_round_admin=False)
    round_admin.refresh_from_db()
    assert round_admin.is_round_admin


def test_the_system_account_cannot_be_changed_or_used_to_log_in(round_admin, client):
    system = system_user()
    assert system_user().pk == system.pk
    assert not system.has_usable_password()
    with pytest.raises(ValidationError, match="system account"):
        user_update(actor=round_admin, user=system, is_active=False)
