import os
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness import policy
from readiness.models import AssignmentRole
from tests.factories import AssignmentFactory, PartyFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skips the test, or fails it when CI says the services must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def _no_recompute_marks_from_earlier_runs():
    """An interrupted earlier run can leave a round's "recompute pending" mark in the shared
    Redis, and round ids come back in a new test database: such a mark would hold back the
    real-worker tests' recomputes until it expired."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    from readiness.recompute_gate import mark_key

    if not isinstance(cache, RedisCache):  # nothing else outlives the process
        return
    try:
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=cache.make_key(mark_key("*"))):
            client.delete(key)
    except Exception:  # Redis down: the tests that need it say so themselves
        pass


@pytest.fixture(autouse=True)
def _services_for_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if request.node.get_closest_marker("redis"):
        url = os.environ.get("REDIS_URL", "")
        if not url:
            service_missing("this test needs Redis (set REDIS_URL=redis://...)")
        elif not _reachable(url):
            service_missing(f"Redis at {url} is unreachable")


def confirmed_totp_device(user) -> TOTPDevice:
    """The user's authenticator device, set up and confirmed (created if need be)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)


def verify_two_factor(client: Client, user) -> None:
    """Marks the client's session as two-factor verified for `user`, through django_otp's own
    login() — as after entering a correct code."""
    request = HttpRequest()
    request.session = client.session
    request.user = user
    otp_login(request, confirmed_totp_device(user))
    request.session.save()


_django_force_login = Client.force_login


def force_login_without_two_factor(client: Client, user, backend=None) -> None:
    """A password log-in only: reviewers and round admins still owe the second factor."""
    _django_force_login(client, user, backend)


def force_login_completing_two_factor(client: Client, user, backend=None) -> None:
    _django_force_login(client, user, backend)
    if policy.requires_two_factor(user):
        verify_two_factor(client, user)


@pytest.fixture(autouse=True)
def _force_login_completes_two_factor(monkeypatch):
    """In this suite `client.force_login(user)` stands for a completed log-in: reviewers and
    round admins also get a confirmed device and a verified session (APIClient included). Tests
    of the two-factor step itself use force_login_without_two_factor or the real forms."""
    monkeypatch.setattr(Client, "force_login", force_login_completing_two_factor)


@pytest.fixture
def party(db):
    return PartyFactory(code="GHA", name_en="Ghana", name_zh="加纳")


@pytest.fixture
def other_party(db):
    return PartyFactory(code="THA", name_en="Thailand", name_zh="泰国", region="asia")


@pytest.fixture
def round_admin(db):
    return UserFactory(username="round.admin", is_round_admin=True)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", is_reviewer=True)


def assigned_user(username: str, party, role: str):
    return AssignmentFactory(user=UserFactory(username=username), party=party, role=role).user


@pytest.fixture
def focal_point(party):
    return assigned_user("focal.gha", party, AssignmentRole.FOCAL_POINT)


@pytest.fixture
def other_focal_point(other_party):
    return assigned_user("focal.tha", other_party, AssignmentRole.FOCAL_POINT)


@pytest.fixture
def analyst(party):
    return assigned_user("analyst.gha", party, AssignmentRole.ANALYST)


@pytest.fixture
def other_analyst(other_party):
    return assigned_user("analyst.tha", other_party, AssignmentRole.ANALYST)


@pytest.fixture
def registered_user(db):
    """An account with no role."""
    return UserFactory(username="nobody")


@pytest.fixture
def open_round(party, other_party):
    from readiness.models import RoundStatus
    from tests.factories import round_with_methodology

    return round_with_methodology(
        slug="2026", name="Assessment 2026", status=RoundStatus.OPEN, parties=[party, other_party]
    )
