"""The parts of base.html memoised per process ({% memo %}, readiness/templatetags) do not
carry one user's navigation, name, CSRF token or language into another's page."""

import re

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse

from readiness.templatetags import readiness_tags

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page(client, user, language: str) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("round-list"))
    assert response.status_code == 200
    return response.content.decode()


def test_memoised_parts_do_not_leak_across_users_roles_or_languages(
    client, reviewer, round_admin, focal_point, analyst
):
    from tests.factories import UserFactory

    users = {"anonymous": None, "no role": UserFactory(username="no.role"), "reviewer": reviewer,
             "admin": round_admin, "focal": focal_point, "analyst": analyst}  # fmt: skip
    links = {
        "workspace": {"focal", "analyst"},
        "review-queue": {"reviewer", "admin"},
        "reply-list": {"reviewer", "admin"},
        "audit-log": {"admin"},
        "password_change": {"no role", "reviewer", "admin", "focal", "analyst"},
        "login": {"anonymous"},
    }
    fresh = {}
    for name, user in users.items():
        for language in ("en", "zh-hans"):
            readiness_tags._memo.clear()
            fresh[name, language] = CSRF.sub("CSRF", page(client, user, language))
    # Now every page after the others, in both orders, from the memo.
    for order in (list(users.items()), list(reversed(users.items()))):
        for language in ("zh-hans", "en"):
            for name, user in order:
                html = page(client, user, language)
                tokens = CSRF.findall(html)
                assert len(tokens) == (2 if user else 1)
                assert len(set(tokens)) == 1  # this response's token, in each form
                html = CSRF.sub("CSRF", html)
                assert html == fresh[name, language], (name, language)
                assert f'<html lang="{language}">' in html
                for url_name, who in links.items():
                    assert (f'href="{reverse(url_name)}"' in html) == (name in who), url_name
                for other in users.values():
                    if other is not None:
                        name_shown = re.search(
                            rf"(Log out |（){re.escape(other.get_username())}(）)?</button>", html
                        )
                        assert bool(name_shown) == (other == user)
    assert readiness_tags._memo  # the parts did come from the memo


def test_a_csrf_token_or_block_cannot_be_memoised():
    for body in ("{% csrf_token %}", "{% block b %}{% endblock %}",
                 "{% get_current_language as L %}"):  # fmt: skip
        with pytest.raises(TemplateSyntaxError):
            Template("{% load i18n readiness_tags %}{% memo %}" + body + "{% endmemo %}")


def test_memo_is_keyed_by_its_arguments_and_the_language():
    from django.utils import translation

    template = Template(
        "{% load i18n readiness_tags %}{% memo flag %}{{ flag }} {{ other }} "
        '{% translate "Rounds" %}{% endmemo %}'
    )
    with translation.override("en"):
        assert template.render(Context({"flag": 1, "other": "a"})) == "1 a Rounds"
        assert template.render(Context({"flag": 2, "other": "b"})) == "2 b Rounds"
        # `other` is not an argument: the memo's part must not read it.
        assert template.render(Context({"flag": 1, "other": "c"})) == "1 a Rounds"
    with translation.override("zh-hans"):
        assert template.render(Context({"flag": 1, "other": "d"})) != "1 a Rounds"
