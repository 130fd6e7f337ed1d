import pytest
from django.urls import reverse

from readiness.models import RoundStatus
from tests.factories import PartyFactory, round_with_methodology

pytestmark = pytest.mark.django_db


def test_anonymous_home_lists_only_published_rounds(client, party):
    round_with_methodology(slug="2025", name="Assessment 2025", status=RoundStatus.PUBLISHED)
    round_with_methodology(slug="2026", name="Assessment 2026", status=RoundStatus.OPEN)
    page = client.get(reverse("home")).content.decode()
    assert "Assessment 2025" in page
    assert "Assessment 2026" not in page
    assert reverse("login") in page


@pytest.mark.parametrize(
    "role, text",
    [
        ("round_admin", "As a round admin"),
        ("reviewer", "As a reviewer"),
        ("focal_point", "You submit evidence for these Parties"),
        ("analyst", "You submit evidence for these Parties"),
        ("registered_user", "Your account has no role yet"),
    ],
)
def test_home_sends_each_role_to_its_work(client, request, role, text):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("home")).content.decode()
    assert text in page


def test_focal_point_home_lists_their_parties(client, focal_point, other_party):
    client.force_login(focal_point)
    page = client.get(reverse("home")).content.decode()
    assert reverse("party-detail", args=["GHA"]) in page
    assert reverse("party-detail", args=["THA"]) not in page


def test_round_detail_shows_the_methodology(client, round_admin):
    round_with_methodology(slug="2025", status=RoundStatus.PUBLISHED)
    page = client.get(reverse("round-detail", args=["2025"])).content.decode()
    for text in ["REG-1", "IMP-6", "Formally adopted (3)", "Ready", "75%", "50%"]:
        assert text in page


def test_round_detail_speaks_chinese(client):
    round_with_methodology(slug="2025", status=RoundStatus.PUBLISHED)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(reverse("round-detail", args=["2025"])).content.decode()
    for text in ["监管框架", "第六条监管框架", "准备就绪", "规划中", 'lang="zh-hans"']:
        assert text in page


def test_language_switch_returns_to_the_current_page(client):
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/parties/?region=asia"}
    )
    assert response["Location"] == "/parties/?region=asia"


def test_round_admin_opens_a_round_from_its_page(client, round_admin, party):
    round_with_methodology(slug="2026", parties=[party])
    client.force_login(round_admin)
    page = client.get(reverse("round-detail", args=["2026"])).content.decode()
    assert "Open for submissions" in page
    response = client.post(
        reverse("round-transition", args=["2026"]), {"target": "open", "reason": "go"}, follow=True
    )
    assert response.context["round"].status == RoundStatus.OPEN


def test_a_refused_transition_is_explained_on_the_page(client, round_admin):
    round_with_methodology(slug="2026")  # no Parties
    client.force_login(round_admin)
    response = client.post(
        reverse("round-transition", args=["2026"]), {"target": "open"}, follow=True
    )
    assert "The round has no Parties" in response.content.decode()
    assert response.context["round"].status == RoundStatus.DRAFT


def test_reviewers_see_no_status_buttons(client, reviewer):
    round_with_methodology(slug="2026")
    client.force_login(reviewer)
    page = client.get(reverse("round-detail", args=["2026"])).content.decode()
    assert "Change the round's status" not in page


@pytest.fixture
def parties(db):
    PartyFactory(code="GHA", name_en="Ghana", name_zh="加纳", region="africa")
    PartyFactory(code="KEN", name_en="Kenya", name_zh="肯尼亚", region="africa")
    PartyFactory(code="THA", name_en="Thailand", name_zh="泰国", region="asia")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["Ghana", "Kenya", "Thailand"]),
        ("?region=asia", ["Thailand"]),
        ("?q=ken", ["Kenya"]),
        ("?q=泰国", ["Thailand"]),
        ("?q=gha", ["Ghana"]),
        ("?sort=-name", ["Thailand", "Kenya", "Ghana"]),
        ("?sort=region", ["Ghana", "Kenya", "Thailand"]),
    ],
)
def test_party_table_filters_searches_and_sorts(client, parties, query, expected):
    response = client.get(reverse("party-list") + query)
    assert [party.name_en for party in response.context["parties"]] == expected


def test_party_table_reports_a_bad_filter_inline(client, parties):
    response = client.get(reverse("party-list") + "?region=mars")
    assert "Select a valid choice" in response.content.decode()


def test_party_table_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    for index in range(30):
        PartyFactory(code=f"Z{index:02d}")
    with django_assert_max_num_queries(4):
        client.get(reverse("party-list"))


def test_party_detail_shows_groupings_and_rounds(client, party):
    round_with_methodology(slug="2025", name="Assessment 2025", status="published", parties=[party])
    page = client.get(reverse("party-detail", args=["gha"])).content.decode()
    assert "Ghana" in page and "Assessment 2025" in page


def test_login_with_a_wrong_password_shows_an_inline_error(client, focal_point):
    response = client.post(reverse("login"), {"username": "focal.gha", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_then_home(client, focal_point):
    response = client.post(
        reverse("login"), {"username": "focal.gha", "password": "a-long-test-password"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_password_change_refuses_a_weak_password_inline(client, focal_point):
    client.force_login(focal_point)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "a-long-test-password",
            "new_password1": "123",
            "new_password2": "123",
        },
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    focal_point.refresh_from_db()
    assert focal_point.check_password("a-long-test-password")


def test_password_reset_sends_a_mail(client, focal_point, mailoutbox):
    client.post(reverse("password_reset"), {"email": focal_point.email})
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body
