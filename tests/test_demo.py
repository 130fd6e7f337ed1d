import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from readiness.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from readiness.models import AssessmentRound, Party, PartyAssignment, RoundStatus, SubPillar, User

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Party.objects.count(),
        AssessmentRound.objects.count(),
        SubPillar.objects.count(),
        User.objects.count(),
        PartyAssignment.objects.count(),
        Party.history.count(),
        SubPillar.history.count(),
    )


def test_setup_demo_loads_the_2025_round_and_is_idempotent(capsys):
    call_command("setup_demo")
    first = snapshot()
    call_command("setup_demo")
    assert snapshot() == first
    assessment_round = AssessmentRound.objects.get(slug="2025")
    assert assessment_round.status == RoundStatus.PUBLISHED
    assert assessment_round.parties.count() == 195
    assert assessment_round.pillars.count() == 4
    assert SubPillar.objects.filter(pillar__round=assessment_round).count() == 13
    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output and "focal.ghana" in output


def test_every_demo_account_can_log_in_with_the_printed_password():
    call_command("setup_demo")
    for account in DEMO_ACCOUNTS:
        request = RequestFactory().post("/accounts/login/")  # the lockout backend needs one
        user = authenticate(request, username=account.username, password=DEMO_PASSWORD)
        assert user is not None, account.username
        assert user.is_reviewer == account.is_reviewer
        assert user.is_round_admin == account.is_round_admin
    ghana_focal = User.objects.get(username="focal.ghana")
    assert list(ghana_focal.assignments.values_list("party__code", "role")) == [
        ("GHA", "focal_point")
    ]
