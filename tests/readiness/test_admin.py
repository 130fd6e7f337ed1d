import pytest
from django.urls import reverse

from readiness.models import GradeBand, PartyAssignment, RoundStatus, User
from tests.factories import round_with_methodology

pytestmark = pytest.mark.django_db


def band_url(band):
    return reverse("admin:readiness_gradeband_change", args=[band.pk])


def band_form(band, **changes):
    data = {
        "round": band.round_id,
        "grade": band.grade,
        "label_en": band.label_en,
        "label_zh": band.label_zh,
        "min_total_rate": band.min_total_rate,
        "min_pillar_rate": band.min_pillar_rate or "",
    }
    return {**data, **changes}


def test_round_admin_edits_a_draft_methodology_through_the_service(client, round_admin):
    band = GradeBand.objects.get(round=round_with_methodology(), grade="B")
    client.force_login(round_admin)
    response = client.post(band_url(band), band_form(band, min_total_rate="0.62"))
    assert response.status_code == 302
    band.refresh_from_db()
    assert str(band.min_total_rate) == "0.6200"
    record = band.history.first()
    assert (record.history_user, record.history_change_reason) == (round_admin, "edited in admin")


def test_an_invalid_admin_edit_shows_an_inline_error(client, round_admin):
    band = GradeBand.objects.get(round=round_with_methodology(), grade="B")
    client.force_login(round_admin)
    response = client.post(band_url(band), band_form(band, min_total_rate="7"))
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1" in response.content.decode()
    band.refresh_from_db()
    assert str(band.min_total_rate) == "0.6000"


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.PUBLISHED])
def test_the_admin_cannot_edit_methodology_after_draft(client, round_admin, status):
    band = GradeBand.objects.get(round=round_with_methodology(status=status), grade="B")
    client.force_login(round_admin)
    page = client.get(band_url(band))
    assert page.status_code == 200 and 'name="min_total_rate"' not in page.content.decode()
    response = client.post(band_url(band), band_form(band, min_total_rate="0.62"))
    assert response.status_code == 403
    band.refresh_from_db()
    assert str(band.min_total_rate) == "0.6000"


def test_a_band_cannot_be_moved_into_a_locked_round(client, round_admin):
    draft_band = GradeBand.objects.get(round=round_with_methodology(), grade="B")
    locked_round = round_with_methodology(status=RoundStatus.OPEN)
    client.force_login(round_admin)
    response = client.post(band_url(draft_band), band_form(draft_band, round=locked_round.pk))
    assert response.status_code == 200  # the form refuses it: the round is not a choice
    draft_band.refresh_from_db()
    assert draft_band.round_id != locked_round.pk


def test_status_actions_call_the_transition_service(client, round_admin, party):
    assessment_round = round_with_methodology(parties=[party])
    client.force_login(round_admin)
    client.post(
        reverse("admin:readiness_assessmentround_changelist"),
        {"action": "move_to_open", "_selected_action": [assessment_round.pk]},
    )
    assessment_round.refresh_from_db()
    assert assessment_round.status == RoundStatus.OPEN
    assert assessment_round.history.first().history_user == round_admin


def test_a_refused_status_action_is_reported(client, round_admin):
    assessment_round = round_with_methodology(status=RoundStatus.OPEN)
    client.force_login(round_admin)
    response = client.post(
        reverse("admin:readiness_assessmentround_changelist"),
        {"action": "move_to_published", "_selected_action": [assessment_round.pk]},
        follow=True,
    )
    assert "cannot become" in response.content.decode()
    assessment_round.refresh_from_db()
    assert assessment_round.status == RoundStatus.OPEN


def test_accounts_are_created_in_the_admin_through_the_service(client, round_admin):
    client.force_login(round_admin)
    response = client.post(
        reverse("admin:readiness_user_add"),
        {"username": "new.analyst", "email": "a@example.org", "is_active": "on"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="new.analyst")
    assert user.history.get().history_user == round_admin


def test_assignments_are_made_in_the_admin_through_the_service(
    client, round_admin, registered_user, party
):
    client.force_login(round_admin)
    client.post(
        reverse("admin:readiness_partyassignment_add"),
        {"user": registered_user.pk, "party": party.pk, "role": "focal_point"},
    )
    assignment = PartyAssignment.objects.get(user=registered_user)
    assert assignment.history.get().history_user == round_admin


def test_past_versions_can_be_read_but_not_restored(client, round_admin, party):
    band = GradeBand.objects.get(round=round_with_methodology(), grade="B")
    client.force_login(round_admin)
    record = band.history.first()
    url = reverse("admin:readiness_gradeband_simple_history", args=[band.pk, record.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, band_form(band, min_total_rate="0.1")).status_code == 403
    band.refresh_from_db()
    assert str(band.min_total_rate) == "0.6000"


def test_a_read_only_record_cannot_be_changed_through_its_history_page(client, round_admin, party):
    record = party.history.first()
    url = reverse("admin:readiness_party_simple_history", args=[party.pk, record.pk])
    client.force_login(round_admin)
    response = client.post(url, {"code": "GHA", "name_en": "Changed", "region": "africa"})
    assert response.status_code == 403
    party.refresh_from_db()
    assert party.name_en == "Ghana"
