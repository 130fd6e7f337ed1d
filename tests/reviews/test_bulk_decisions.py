"""Bulk decisions (issue 13 #11): the preview, the confirmation and the result show only the
evidence the reviewer may decide, and apply the decision's own rules."""

import pytest
from django.urls import reverse

from reviews.models import Review
from reviews.services import reviews_decide_bulk
from submissions.models import Evidence
from tests.factories import AssignmentFactory, UserFactory, make_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def double_role(party):
    """A reviewer who is also analyst for Ghana."""
    user = UserFactory(username="double", is_reviewer=True)
    AssignmentFactory(user=user, party=party, role="analyst")
    return user


@pytest.fixture
def hidden_and_decidable(open_round, party, other_party, focal_point, other_focal_point,
                         double_role):  # fmt: skip
    """Evidence the reviewer may not decide, each on its own sub-pillar code, and one they may."""

    def make(code, **kwargs):
        return make_evidence(assessment_round=open_round, code=code, **kwargs)

    hidden = {
        "draft": make("REG-2", party=other_party, author=other_focal_point, status="draft"),
        "own Party": make("REG-3", party=party, author=focal_point, status="submitted"),
        "own submission": make("INF-1", party=other_party, author=double_role,
                               status="submitted"),
    }  # fmt: skip
    decidable = make("INF-3", party=other_party, author=other_focal_point, status="submitted")
    return hidden, decidable


def items(*evidence) -> list[str]:
    return [f"{e.pk}:{e.version}" for e in evidence]


def test_the_preview_shows_only_what_the_reviewer_may_decide(client, double_role,
                                                             hidden_and_decidable):  # fmt: skip
    hidden, decidable = hidden_and_decidable
    client.force_login(double_role)
    response = client.post(reverse("bulk-preview"), {
        "decision": "approve", "scope": "selected", "item": items(*hidden.values(), decidable),
    })  # fmt: skip
    assert response.status_code == 200
    assert [row.evidence.pk for row in response.context["rows"]] == [decidable.pk]
    page = response.content.decode()
    for code in ("REG-2", "REG-3", "INF-1"):
        assert code not in page
    for evidence in hidden.values():
        assert f'value="{evidence.pk}:' not in page
    assert "1 item will be decided" in page


def test_the_confirmation_decides_and_shows_only_what_the_reviewer_may_decide(
    client, double_role, hidden_and_decidable
):
    hidden, decidable = hidden_and_decidable
    client.force_login(double_role)
    response = client.post(reverse("bulk-confirm"), {
        "decision": "approve", "item": items(*hidden.values(), decidable),
    })  # fmt: skip
    assert response.context["decided"] == 1
    page = response.content.decode()
    for code in ("REG-2", "REG-3", "INF-1"):
        assert code not in page
    statuses = dict(Evidence.objects.values_list("pk", "status"))
    assert statuses[decidable.pk] == "approved"
    assert [statuses[e.pk] for e in hidden.values()] == ["draft", "submitted", "submitted"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_preview_of_nothing_decidable_says_so_on_the_form(
    client, double_role, hidden_and_decidable, language
):
    hidden, _decidable = hidden_and_decidable
    client.force_login(double_role)
    client.cookies["django_language"] = language
    response = client.post(reverse("bulk-preview"), {
        "decision": "approve", "scope": "selected", "item": items(*hidden.values()),
    })  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    expected = ("请至少选择一项等待您作出决定的条目。" if language == "zh-hans"
                else "Select at least one item waiting for your decision.")  # fmt: skip
    assert expected in page
    assert "REG-3" not in page and 'name="item"' not in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("decision", ["request_changes", "reject"])
def test_a_decision_without_its_comment_is_refused_on_the_preview_and_decides_nothing(
    client, reviewer, open_round, party, focal_point, decision, language
):
    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                             status="submitted")  # fmt: skip
    client.force_login(reviewer)
    client.cookies["django_language"] = language
    expected = ("请说明需要修改的内容，或驳回的原因。" if language == "zh-hans"
                else "Explain what needs to change, or why it is rejected.")  # fmt: skip
    data = {"decision": decision, "comment": "  ", "scope": "selected", "item": items(evidence)}
    preview = client.post(reverse("bulk-preview"), data)
    assert preview.status_code == 400
    page = preview.content.decode()
    assert f'<p class="error" id="id_comment-error">{expected}</p>' in page
    assert "Decide 1 item" not in page and "will be decided" not in page
    confirm = client.post(reverse("bulk-confirm"), data)
    assert confirm.status_code == 400 and expected in confirm.content.decode()
    assert not Review.objects.exists()
    assert Evidence.objects.get(pk=evidence.pk).status == "submitted"


def test_the_service_checks_the_decision_before_any_item(reviewer, open_round, party,
                                                         focal_point):  # fmt: skip
    from django.core.exceptions import ValidationError

    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                             status="submitted")  # fmt: skip
    with pytest.raises(ValidationError) as error:
        reviews_decide_bulk(actor=reviewer, items=[(evidence.pk, 1)], decision="reject")
    assert "comment" in error.value.message_dict
    assert not Review.objects.exists()
