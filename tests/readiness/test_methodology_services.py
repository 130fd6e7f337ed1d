import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from readiness import grading, methodology_v1
from readiness.exceptions import RoundLocked
from readiness.models import FactField, GradeBand, Pillar, RoundStatus, ScoreLevel, SubPillar
from readiness.selectors import methodology_spec_for_round
from readiness.services import methodology_item_delete, methodology_item_save, methodology_load
from tests.factories import RoundFactory, round_with_methodology

pytestmark = pytest.mark.django_db

V1 = {"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS}


def test_loading_v1_creates_four_pillars_and_thirteen_sub_pillars(round_admin):
    assessment_round = RoundFactory()
    methodology_load(actor=round_admin, assessment_round=assessment_round, definition=V1)
    assert list(assessment_round.pillars.values_list("code", flat=True)) == [
        "REG", "INF", "FIN", "IMP",
    ]  # fmt: skip
    assert SubPillar.objects.filter(pillar__round=assessment_round).count() == 13
    assert (
        ScoreLevel.objects.filter(sub_pillar__pillar__round=assessment_round).count() == 40
    )  # 27 scored + 13 "none"
    assert GradeBand.objects.filter(round=assessment_round).count() == 4
    mrv = FactField.objects.get(sub_pillar__code="INF-1")
    assert (mrv.key, mrv.kind, mrv.min_level) == ("standard_basis", "choice", 2)
    assert Pillar.history.filter(history_user=round_admin).count() == 4


def test_the_database_methodology_is_the_engine_reference(round_admin):
    assessment_round = RoundFactory()
    methodology_load(actor=round_admin, assessment_round=assessment_round, definition=V1)
    assert methodology_spec_for_round(assessment_round) == grading.methodology_v1()


def test_methodology_labels_are_bilingual(round_admin):
    assessment_round = RoundFactory()
    methodology_load(actor=round_admin, assessment_round=assessment_round, definition=V1)
    band_a = GradeBand.objects.get(round=assessment_round, grade="A")
    assert (band_a.label_en, band_a.label_zh) == ("Ready", "准备就绪")
    assert SubPillar.objects.get(code="IMP-4").name_zh == "白名单"


def test_loading_twice_is_refused(round_admin):
    assessment_round = round_with_methodology()
    with pytest.raises(ValidationError, match="already has a methodology"):
        methodology_load(actor=round_admin, assessment_round=assessment_round, definition=V1)
    assert assessment_round.pillars.count() == 4


@pytest.mark.parametrize("status", [s for s in RoundStatus.values if s != RoundStatus.DRAFT])
def test_loading_is_refused_after_draft(round_admin, status):
    assessment_round = RoundFactory(status=status)
    with pytest.raises(RoundLocked, match="editable only in draft"):
        methodology_load(actor=round_admin, assessment_round=assessment_round, definition=V1)
    assert not assessment_round.pillars.exists()


def test_a_bad_definition_saves_nothing(round_admin):
    assessment_round = RoundFactory()
    broken = {"pillars": [{**V1["pillars"][0], "code": ""}], "bands": V1["bands"]}
    with pytest.raises(ValidationError):
        methodology_load(actor=round_admin, assessment_round=assessment_round, definition=broken)
    assert not Pillar.objects.exists()


def test_editing_an_item_in_draft_is_recorded(round_admin):
    assessment_round = round_with_methodology()
    band = GradeBand.objects.get(round=assessment_round, grade="B")
    band.min_total_rate = "0.65"
    methodology_item_save(actor=round_admin, item=band, reason="tighter B")
    band.refresh_from_db()
    assert str(band.min_total_rate) == "0.6500"
    record = band.history.first()
    assert (record.history_user, record.history_change_reason) == (round_admin, "tighter B")


def test_an_invalid_edit_is_refused_and_saves_nothing(round_admin):
    assessment_round = round_with_methodology()
    band = GradeBand.objects.get(round=assessment_round, grade="B")
    band.min_total_rate = "1.5"
    with pytest.raises(ValidationError):
        methodology_item_save(actor=round_admin, item=band)
    band.refresh_from_db()
    assert str(band.min_total_rate) == "0.6000"


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.REVIEW, RoundStatus.PUBLISHED])
def test_edits_after_draft_are_refused(round_admin, status):
    assessment_round = round_with_methodology(status=status)
    level = ScoreLevel.objects.filter(sub_pillar__pillar__round=assessment_round).first()
    level.label_en = "changed"
    with pytest.raises(RoundLocked):
        methodology_item_save(actor=round_admin, item=level)
    with pytest.raises(RoundLocked):
        methodology_item_delete(actor=round_admin, item=level)
    level.refresh_from_db()
    assert level.label_en != "changed"


def test_edits_are_refused_to_reviewers(reviewer):
    assessment_round = round_with_methodology()
    pillar = assessment_round.pillars.first()
    pillar.weight = 2
    with pytest.raises(PermissionDenied):
        methodology_item_save(actor=reviewer, item=pillar)
    pillar.refresh_from_db()
    assert pillar.weight == 1


def test_deleting_an_item_in_draft_is_recorded(round_admin):
    assessment_round = round_with_methodology()
    fact = FactField.objects.get(sub_pillar__pillar__round=assessment_round, key="adoption_date")
    methodology_item_delete(actor=round_admin, item=fact, reason="not needed")
    assert not FactField.objects.filter(pk=fact.pk).exists()
    record = FactField.history.filter(history_type="-").get()
    assert (record.history_user, record.history_change_reason) == (round_admin, "not needed")


def test_only_methodology_rows_go_through_the_methodology_service(round_admin):
    with pytest.raises(TypeError):
        methodology_item_save(actor=round_admin, item=round_admin)


def test_load_methodology_command_loads_v1_into_a_draft_round(capsys):
    from django.core.management import call_command

    RoundFactory(slug="2026", name="Assessment 2026")
    call_command("load_methodology", "2026")
    assert "loaded into “Assessment 2026”: 4 pillars" in capsys.readouterr().out
    assert SubPillar.objects.filter(pillar__round__slug="2026").count() == 13


@pytest.mark.parametrize(
    "status, message",
    [(RoundStatus.OPEN, "editable only in draft"), (None, "No round with the slug")],
)
def test_load_methodology_command_explains_a_refusal(status, message):
    from django.core.management import CommandError, call_command

    if status:
        RoundFactory(slug="2026", status=status)
    with pytest.raises(CommandError, match=message):
        call_command("load_methodology", "2026")
    assert not Pillar.objects.exists()
