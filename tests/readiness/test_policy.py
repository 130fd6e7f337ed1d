import pytest
from django.contrib.auth.models import AnonymousUser

from readiness import policy
from readiness.models import RoundStatus
from tests.factories import RoundFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "registered_user",
    "focal_point",
    "other_focal_point",
    "analyst",
    "reviewer",
    "round_admin",
]


@pytest.fixture
def anonymous():
    return AnonymousUser()


def answers(user, party, draft, published):
    return {
        "manage_rounds": policy.can_manage_rounds(user),
        "use_admin": policy.can_use_admin(user),
        "view_draft": policy.can_view_round(user, draft),
        "view_published": policy.can_view_round(user, published),
        "edit_draft_methodology": policy.can_edit_methodology(user, draft),
        "edit_published_methodology": policy.can_edit_methodology(user, published),
        "works_on_party": party in policy.parties_for(user),
    }


EXPECTED = {
    #                  manage admin v.draft v.pub  edit.d edit.p party
    "anonymous":       (0,     0,    0,      1,     0,     0,     0),
    "registered_user": (0,     0,    0,      1,     0,     0,     0),
    "focal_point":     (0,     0,    1,      1,     0,     0,     1),
    "other_focal_point": (0,   0,    1,      1,     0,     0,     0),
    "analyst":         (0,     0,    1,      1,     0,     0,     1),
    "reviewer":        (0,     0,    1,      1,     0,     0,     0),
    "round_admin":     (1,     1,    1,      1,     1,     0,     1),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_policy_answers_per_role(request, role, party):
    user = request.getfixturevalue(role)
    draft = RoundFactory(status=RoundStatus.DRAFT)
    published = RoundFactory(status=RoundStatus.PUBLISHED)
    got = answers(user, party, draft, published)
    assert tuple(int(value) for value in got.values()) == EXPECTED[role], got


def test_an_inactive_round_admin_has_no_rights(round_admin):
    round_admin.is_active = False
    assert not policy.can_manage_rounds(round_admin)


def test_visible_rounds_hide_unpublished_rounds_from_the_public(anonymous, reviewer):
    RoundFactory(slug="draft", status=RoundStatus.DRAFT)
    RoundFactory(slug="published", status=RoundStatus.PUBLISHED)
    assert [r.slug for r in policy.visible_rounds(anonymous)] == ["published"]
    assert {r.slug for r in policy.visible_rounds(reviewer)} == {"draft", "published"}


def test_require_raises_permission_denied():
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="nope"):
        policy.require(False, "nope")
    policy.require(True)
