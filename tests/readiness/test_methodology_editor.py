"""The round admins' methodology editor: pages, services, refusals and history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from readiness.exceptions import RoundLocked
from readiness.models import (
    FactField,
    GradeBand,
    Pillar,
    RoundChange,
    RoundStatus,
    ScoreLevel,
    SubPillar,
)
from readiness.recompute import recompute
from readiness.services import methodology_bands_set, methodology_levels_set, round_copy
from tests.factories import make_evidence, round_with_methodology, sub_pillar_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(party):
    return round_with_methodology(slug="draft", name="Assessment 2027", parties=[party])


@pytest.fixture
def admin_client(client, round_admin):
    client.force_login(round_admin)
    return client


def url(name: str, *args) -> str:
    return reverse(name, args=["draft", *args])


def level_rows(*levels: tuple[int, str, str], initial: int | None = None) -> dict:
    """The POST of the levels form: one row per (score, English, Chinese)."""
    data = {
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(len(levels) if initial is None else initial),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    for index, (score, label_en, label_zh) in enumerate(levels):
        data |= {f"levels-{index}-score": score, f"levels-{index}-label_en": label_en,
                 f"levels-{index}-label_zh": label_zh}  # fmt: skip
    return data


def band_rows(*bands: tuple) -> dict:
    data = {
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": str(len(bands)),
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
    }
    for index, (grade, label, total, floor, *chinese) in enumerate(bands):
        prefix = f"bands-{index}-"
        data |= {prefix + "grade": grade, prefix + "label_en": label,
                 prefix + "label_zh": "".join(chinese), prefix + "min_total_rate": total,
                 prefix + "min_pillar_rate": floor}  # fmt: skip
    return data


V1_BANDS = (("A", "Ready", "0.75", "0.5"), ("B", "Advanced", "0.6", ""),
            ("C", "Developing", "0.4", ""), ("D", "Planning", "0", ""))  # fmt: skip


# --- the pages --------------------------------------------------------------------------------


def test_the_round_page_links_to_the_editor(admin_client, draft):
    page = admin_client.get(reverse("round-detail", args=["draft"])).content.decode()
    assert url("methodology-edit") in page


def test_the_overview_shows_the_check_and_edit_links(admin_client, draft):
    GradeBand.objects.filter(round=draft, grade="B").update(min_total_rate="0.40")
    response = admin_client.get(url("methodology-edit"))
    page = response.content.decode()
    assert "Grades B and C cannot be told apart." in page
    assert url("methodology-bands") in page
    assert url("methodology-item-add", "pillar") in page
    assert response.context["editable"]


def test_the_overview_previews_the_previous_rounds_evidence(admin_client, round_admin, party,
                                                            focal_point):  # fmt: skip
    earlier = round_with_methodology(slug="2025", status=RoundStatus.OPEN, parties=[party])
    make_evidence(assessment_round=earlier, party=party, author=focal_point, status="approved",
                  code="REG-1", claimed_level=3)  # fmt: skip
    recompute(earlier.pk)
    earlier.status = RoundStatus.PUBLISHED
    earlier.save()
    round_copy(actor=round_admin, previous=earlier, name="Assessment 2026", slug="draft")
    response = admin_client.get(url("methodology-edit"))
    assert response.context["preview"].before == {"A": 0, "B": 0, "C": 0, "D": 1}
    assert "The awarded levels of Assessment 2025 under this methodology" in (
        response.content.decode()
    )


def test_editing_a_pillar_saves_it_with_the_admin_in_the_history(admin_client, draft, round_admin):
    pillar = Pillar.objects.get(round=draft, code="REG")
    response = admin_client.post(
        url("methodology-item-edit", "pillar", pillar.pk),
        {"code": "REG", "name_en": "Rules", "name_zh": "规则", "weight": "2", "order": 0},
    )
    assert response.status_code == 302 and response["Location"] == url("methodology-edit")
    pillar.refresh_from_db()
    assert (pillar.name_en, pillar.name_zh, pillar.weight) == ("Rules", "规则", 2)
    record = pillar.history.first()
    assert (record.history_user, record.history_change_reason) == (
        round_admin,
        "methodology edited",
    )
    assert RoundChange.objects.filter(round=draft, kind="methodology").exists()


def test_adding_a_pillar_then_a_sub_pillar_and_its_levels(admin_client, draft, round_admin):
    response = admin_client.post(
        url("methodology-item-add", "pillar"),
        {"code": "CAP", "name_en": "Capacity", "name_zh": "能力", "weight": "1", "order": 5},
    )
    assert response.status_code == 302
    pillar = Pillar.objects.get(round=draft, code="CAP")
    response = admin_client.post(
        url("methodology-item-add", "sub-pillar") + f"?parent={pillar.pk}",
        {"code": "CAP-1", "name_en": "Training", "name_zh": "培训", "order": 0},
    )
    sub = SubPillar.objects.get(pillar=pillar)
    assert response["Location"] == url("methodology-item-edit", "sub-pillar", sub.pk)
    assert "CAP-1: A sub-pillar needs at least the levels 0 and 1." in " ".join(
        admin_client.get(url("methodology-edit")).context["problems"]
    )
    response = admin_client.post(
        url("methodology-levels", sub.pk),
        level_rows((0, "None", "无"), (1, "Programme planned", "已规划"),
                   (2, "Programme running", "运行中"), initial=0),
    )  # fmt: skip
    assert response.status_code == 302
    assert list(sub.levels.values_list("score", "label_zh")) == [(0, "无"), (1, "已规划"),
                                                                 (2, "运行中")]  # fmt: skip
    assert {r.history_user for r in ScoreLevel.history.filter(sub_pillar_id=sub.pk)} == {
        round_admin
    }
    assert admin_client.get(url("methodology-edit")).context["problems"] == []


def test_a_sub_pillar_code_must_be_unique_in_the_round(admin_client, draft):
    pillar = Pillar.objects.get(round=draft, code="INF")
    response = admin_client.post(
        url("methodology-item-add", "sub-pillar") + f"?parent={pillar.pk}",
        {"code": "REG-1", "name_en": "Again", "name_zh": "", "order": 9},
    )
    assert response.status_code == 400
    assert "Another sub-pillar of this round has this code." in response.content.decode()
    assert SubPillar.objects.filter(pillar__round=draft, code="REG-1").count() == 1


def test_a_fact_with_choices_is_added_and_edited(admin_client, draft, round_admin):
    sub = sub_pillar_of(draft, "REG-2")
    response = admin_client.post(
        url("methodology-item-add", "fact") + f"?parent={sub.pk}",
        {"key": "body", "label_en": "Body", "label_zh": "机构", "kind": "choice",
         "choices": "ministry | Ministry | 部委\nagency | Agency | 机构", "min_level": 1,
         "order": 0},
    )  # fmt: skip
    assert response.status_code == 302
    fact = FactField.objects.get(sub_pillar=sub, key="body")
    assert fact.choices == [
        {"value": "ministry", "label_en": "Ministry", "label_zh": "部委"},
        {"value": "agency", "label_en": "Agency", "label_zh": "机构"},
    ]
    page = admin_client.get(url("methodology-item-edit", "fact", fact.pk)).content.decode()
    assert "ministry | Ministry | 部委" in page
    admin_client.post(
        url("methodology-item-edit", "fact", fact.pk),
        {"key": "employees", "label_en": "Staff", "label_zh": "", "kind": "integer",
         "choices": "", "min_level": 2, "order": 0},
    )  # fmt: skip
    fact.refresh_from_db()
    assert (fact.key, fact.kind, fact.choices, fact.min_level) == ("employees", "integer", [], 2)
    assert fact.history.first().history_user == round_admin


@pytest.mark.parametrize(
    "kind, choices, min_level, message",
    [
        ("choice", "", 1, "A choice fact needs at least one choice."),
        ("choice", "a | A\nb | B\na | A again", 1, "A choice fact needs distinct choices"),
        ("choice", " | No value", 1, "Every choice needs a value and an English label."),
        ("integer", "a | A", 1, "Only choice facts have a list of choices."),
        ("boolean", "", 7, "The fact must apply from one of the sub-pillar"),
        ("colour", "", 1, "Select a valid choice"),
    ],
)
def test_a_malformed_fact_is_refused_inline_and_nothing_is_saved(
    admin_client, draft, kind, choices, min_level, message
):
    sub = sub_pillar_of(draft, "REG-1")
    fact = FactField.objects.get(sub_pillar=sub, key="instrument_type")
    before = (fact.kind, fact.choices, fact.min_level, FactField.history.count())
    response = admin_client.post(
        url("methodology-item-edit", "fact", fact.pk),
        {"key": "instrument_type", "label_en": "Instrument", "label_zh": "", "kind": kind,
         "choices": choices, "min_level": min_level, "order": 0},
    )  # fmt: skip
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'class="field has-error"' in response.content.decode()
    fact.refresh_from_db()
    assert (fact.kind, fact.choices, fact.min_level, FactField.history.count()) == before


def test_levels_with_a_gap_are_refused_and_nothing_is_saved(admin_client, draft):
    sub = sub_pillar_of(draft, "REG-2")
    before = list(sub.levels.values_list("score", "label_en"))
    response = admin_client.post(
        url("methodology-levels", sub.pk),
        level_rows((0, "None", ""), (1, "Designated", ""), (3, "Met", ""), (3, "Twice", "")),
    )
    assert response.status_code == 400
    assert "Levels must run 0, 1, 2… without gaps or repeats (now 0, 1, 3, 3)." in (
        response.content.decode()
    )
    assert list(sub.levels.values_list("score", "label_en")) == before


def test_a_level_row_with_no_label_is_marked_inline(admin_client, draft):
    sub = sub_pillar_of(draft, "REG-2")
    response = admin_client.post(
        url("methodology-levels", sub.pk), level_rows((0, "None", ""), (1, "", ""))
    )
    assert response.status_code == 400
    assert 'id="id_levels-1-label_en-error"' in response.content.decode()
    assert sub.levels.get(score=1).label_en.startswith("Focal point")


def test_levels_are_edited_added_and_removed_in_one_go(admin_client, draft, round_admin):
    sub = sub_pillar_of(draft, "INF-2")  # levels 0..2, a fact from level 1
    data = level_rows((0, "Nothing", "无"), (1, "Planned", ""), (2, "Running", ""),
                      (3, "Audited", "已审计"), initial=3)  # fmt: skip
    assert admin_client.post(url("methodology-levels", sub.pk), data).status_code == 302
    assert list(sub.levels.values_list("score", "label_en")) == [
        (0, "Nothing"), (1, "Planned"), (2, "Running"), (3, "Audited"),
    ]  # fmt: skip
    data = level_rows((0, "Nothing", "无"), (1, "Planned", ""), (2, "Running", ""),
                      (3, "Audited", "已审计"), initial=4) | {"levels-3-DELETE": "on"}  # fmt: skip
    assert admin_client.post(url("methodology-levels", sub.pk), data).status_code == 302
    assert sub.levels.count() == 3
    removed = ScoreLevel.history.get(sub_pillar_id=sub.pk, score=3, history_type="-")
    assert removed.history_user == round_admin


def test_levels_cannot_drop_below_a_facts_level(round_admin, draft):
    sub = sub_pillar_of(draft, "REG-1")  # adoption_date applies from level 3
    with pytest.raises(ValidationError, match="adoption_date"):
        methodology_levels_set(actor=round_admin, sub_pillar=sub, levels=[
            {"score": 0, "label_en": "None"}, {"score": 1, "label_en": "Some"}])  # fmt: skip
    assert sub.levels.count() == 4


def test_grade_bands_are_saved_together(admin_client, draft, round_admin):
    rows = band_rows(("A", "Ready", "0.8", "0.5", "准备就绪"), ("B", "Advanced", "0.6", "", "进阶"),
                     ("C", "Developing", "0.4", "", "发展中"),
                     ("D", "Planning", "0", "", "规划中"))  # fmt: skip
    response = admin_client.post(url("methodology-bands"), rows)
    assert response.status_code == 302
    band = GradeBand.objects.get(round=draft, grade="A")
    assert str(band.min_total_rate) == "0.8000"
    assert (band.history.first().history_user, band.history.first().history_change_reason) == (
        round_admin, "grade bands set",
    )  # fmt: skip
    assert GradeBand.history.filter(round_id=draft.pk).count() == 4 + 1  # only A changed


@pytest.mark.parametrize(
    "bands, message",
    [
        (V1_BANDS[:3], "One band needs a minimum total rate of 0 and no pillar floor"),
        ((*V1_BANDS[:2], ("C", "Developing", "0.6", ""), V1_BANDS[3]),
         "Grades B and C cannot be told apart."),
        ((*V1_BANDS[:3], ("C", "Again", "0", "")), "Each grade may appear once (repeated: C)."),
    ],
)  # fmt: skip
def test_inconsistent_grade_bands_are_refused_and_nothing_is_saved(admin_client, draft, bands,
                                                                   message):  # fmt: skip
    before = list(GradeBand.objects.filter(round=draft).values_list("grade", "min_total_rate"))
    response = admin_client.post(url("methodology-bands"), band_rows(*bands))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    after = list(GradeBand.objects.filter(round=draft).values_list("grade", "min_total_rate"))
    assert after == before


def test_a_rate_above_one_is_marked_on_its_field(admin_client, draft):
    response = admin_client.post(
        url("methodology-bands"), band_rows(("A", "Ready", "1.5", ""), V1_BANDS[3])
    )
    assert response.status_code == 400
    assert 'id="id_bands-0-min_total_rate-error"' in response.content.decode()


def test_removing_a_pillar_removes_what_is_under_it_in_the_history(admin_client, draft,
                                                                   round_admin):  # fmt: skip
    pillar = Pillar.objects.get(round=draft, code="REG")
    response = admin_client.post(url("methodology-item-delete", "pillar", pillar.pk))
    assert response.status_code == 302
    assert not SubPillar.objects.filter(pillar__round=draft, code__startswith="REG").exists()
    removed_levels = ScoreLevel.history.filter(history_type="-")
    assert removed_levels.count() == 12
    assert {record.history_user for record in removed_levels} == {round_admin}
    assert FactField.history.filter(history_type="-", history_user=round_admin).count() == 2


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "focal_point", "analyst"])
def test_only_round_admins_may_use_the_editor(request, client, draft, role):
    client.force_login(request.getfixturevalue(role))
    pillar = Pillar.objects.get(round=draft, code="REG")
    assert client.get(url("methodology-edit")).status_code == 403
    response = client.post(
        url("methodology-item-edit", "pillar", pillar.pk),
        {"code": "REG", "name_en": "Taken over", "weight": "9", "order": 0},
    )
    assert response.status_code == 403
    assert client.post(url("methodology-bands"), band_rows(V1_BANDS[3])).status_code == 403
    pillar.refresh_from_db()
    assert pillar.name_en == "Regulatory framework"
    assert GradeBand.objects.filter(round=draft).count() == 4


def test_the_services_refuse_non_admins(reviewer, draft):
    with pytest.raises(PermissionDenied):
        methodology_bands_set(actor=reviewer, assessment_round=draft, bands=[
            {"grade": "D", "label_en": "All", "min_total_rate": 0}])  # fmt: skip
    with pytest.raises(PermissionDenied):
        methodology_levels_set(actor=reviewer, sub_pillar=sub_pillar_of(draft, "REG-2"), levels=[
            {"score": 0, "label_en": "a"}, {"score": 1, "label_en": "b"}])  # fmt: skip
    assert GradeBand.objects.filter(round=draft).count() == 4


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.REVIEW, RoundStatus.PUBLISHED])
def test_after_draft_the_pages_are_read_only_and_edits_are_refused(admin_client, round_admin,
                                                                    party, status):  # fmt: skip
    round_with_methodology(slug="draft", status=status, parties=[party])
    overview = admin_client.get(url("methodology-edit"))
    assert overview.status_code == 200 and not overview.context["editable"]
    assert "shown for reading only" in overview.content.decode()
    assert url("methodology-bands") not in overview.content.decode()
    pillar = Pillar.objects.get(round__slug="draft", code="REG")
    page = admin_client.get(url("methodology-item-edit", "pillar", pillar.pk)).content.decode()
    assert "<fieldset disabled>" in page and ">Save</button>" not in page
    response = admin_client.post(
        url("methodology-item-edit", "pillar", pillar.pk),
        {"code": "REG", "name_en": "Changed late", "weight": "1", "order": 0},
    )
    assert response.status_code == 409
    assert "editable only in draft" in response.content.decode()
    response = admin_client.post(url("methodology-bands"), band_rows(*V1_BANDS))
    assert response.status_code == 409
    pillar.refresh_from_db()
    assert pillar.name_en == "Regulatory framework"
    with pytest.raises(RoundLocked):
        methodology_levels_set(actor=round_admin, sub_pillar=sub_pillar_of(pillar.round, "REG-2"),
                               levels=[{"score": 0, "label_en": "a"},
                                       {"score": 1, "label_en": "b"}])  # fmt: skip


def test_rows_of_another_round_are_not_found(admin_client, draft, party):
    other = round_with_methodology(slug="other", parties=[party])
    pillar = Pillar.objects.get(round=other, code="REG")
    assert admin_client.get(url("methodology-item-edit", "pillar", pillar.pk)).status_code == 404
    assert admin_client.get(url("methodology-item-edit", "poem", pillar.pk)).status_code == 404
    sub = sub_pillar_of(other, "REG-1")
    assert admin_client.get(url("methodology-levels", sub.pk)).status_code == 404
    add_fact = url("methodology-item-add", "fact") + f"?parent={sub.pk}"
    assert admin_client.get(add_fact).status_code == 404
