"""Personal API tokens: only a digest is stored, the key is shown once, each token has a name
and an expiry, a user may hold several and revoke each, and the admin never shows a key."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from readiness.api_tokens.models import ApiToken
from readiness.models import User
from tests.conftest import verify_two_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "api-token"


@pytest.fixture
def owner(db):
    return UserFactory(username="amara")


@pytest.fixture
def page(client, owner):
    client.force_login(owner)
    return client


def create(page, name="backup robot", days="30"):
    return page.post(reverse(PAGE), {"name": name, "days": days})


def api(key: str | None):
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def whoami_status(key: str) -> int:
    """A write that needs a signed-in user: 401 without a valid token, 400 (nothing to save
    in an empty body) once the token is accepted."""
    return api(key).post(reverse("api-evidence-list"), {}, format="json").status_code


def every_stored_text() -> str:
    """All the token table holds, as text, as the database returns it."""
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_the_key_is_shown_once_and_only_its_digest_is_stored(page, owner):
    response = create(page)
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    assert response["Cache-Control"] == "no-store"

    assert key not in every_stored_text()
    token = ApiToken.objects.get(user=owner)
    assert token.name == "backup robot"
    assert token.digest != key and len(token.digest) == 128

    reloaded = page.get(reverse(PAGE))
    assert key not in reloaded.content.decode()
    assert "backup robot" in reloaded.content.decode()
    assert whoami_status(key) == 400


def test_each_token_expires_and_an_expired_one_gets_401_in_the_error_shape(page, owner, settings):
    create(page, days="7")
    token = ApiToken.objects.get(user=owner)
    assert timedelta(days=7) - timedelta(minutes=1) < token.expiry - timezone.now()
    assert token.expiry - timezone.now() <= timedelta(days=7)

    key = create(page, name="old script").context["new_key"]
    ApiToken.objects.filter(name="old script").update(expiry=timezone.now() - timedelta(seconds=1))
    response = api(key).post(reverse("api-evidence-list"), {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (401, "authentication_failed")
    assert api(key).get(reverse("api-party-list")).status_code == 401


def test_the_lifetime_defaults_to_and_is_bounded_by_api_token_days(page, owner, settings):
    settings.API_TOKEN_DAYS = 10
    form = page.get(reverse(PAGE)).context["form"]
    assert form["days"].value() == 10
    assert create(page, days="11").status_code == 400
    assert create(page, days="10").status_code == 200
    assert ApiToken.objects.get(user=owner).expiry - timezone.now() > timedelta(days=9)


def test_several_tokens_and_revoking_one_leaves_the_other_working(page, owner):
    first = create(page, name="first").context["new_key"]
    second = create(page, name="second").context["new_key"]
    assert first != second
    listing = page.get(reverse(PAGE)).content.decode()
    assert "first" in listing and "second" in listing

    revoked = ApiToken.objects.get(name="first")
    response = page.post(reverse("api-token-revoke", args=[revoked.pk]))
    assert response.status_code == 302
    assert whoami_status(first) == 401
    assert whoami_status(second) == 400
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["second"]
    reasons = list(owner.history.values_list("history_change_reason", flat=True))
    assert any("“first”" in reason and "revoked" in reason for reason in reasons)
    assert any("“second”" in reason and "created" in reason for reason in reasons)


def test_the_last_use_is_shown(page, owner):
    key = create(page).context["new_key"]
    assert ApiToken.objects.get().last_used is None
    whoami_status(key)
    assert ApiToken.objects.get().last_used is not None
    assert "never" not in page.get(reverse(PAGE)).content.decode()


def test_another_user_cannot_revoke_my_token(page, client, owner):
    key = create(page).context["new_key"]
    mine = ApiToken.objects.get(user=owner)
    client.force_login(UserFactory(username="someone-else"))
    assert client.post(reverse("api-token-revoke", args=[mine.pk])).status_code == 404
    assert client.get(reverse("api-token-revoke", args=[mine.pk])).status_code == 405
    assert whoami_status(key) == 400
    assert mine.name not in client.get(reverse(PAGE)).content.decode()


@pytest.mark.parametrize(
    "name, days, field",
    [
        ("with\x00nul", "30", "name"),
        ("x" * 10_000, "30", "name"),
        ("   ", "30", "name"),
        ("bell\x07", "30", "name"),
        ("fine", "0", "days"),
        ("fine", "-5", "days"),
        ("fine", "99999999999999999999999999", "days"),
        ("fine", "ninety", "days"),
        ("fine", "1e3", "days"),
        ("fine", "", "days"),
    ],
)
def test_bad_input_gets_an_inline_error_and_saves_nothing(page, owner, name, days, field):
    history_rows = owner.history.count()
    response = create(page, name=name, days=days)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert response.context["new_key"] is None
    assert 'class="error"' in response.content.decode()
    assert not ApiToken.objects.exists()
    assert owner.history.count() == history_rows


def test_the_admin_lists_tokens_without_any_key_and_can_revoke_one(client, owner):
    admin_user = UserFactory(username="round-admin", is_round_admin=True)
    from tests.factories import api_key_for

    key = api_key_for(owner, name="owner's script")
    token = ApiToken.objects.get()
    client.force_login(admin_user)
    verify_two_factor(client, admin_user)

    listing = client.get(reverse("admin:api_tokens_apitoken_changelist"))
    detail = client.get(reverse("admin:api_tokens_apitoken_change", args=[token.pk]))
    for response in (listing, detail):
        assert response.status_code == 200
        text = response.content.decode()
        assert "owner&#x27;s script" in text and "amara" in text
        assert key not in text and key[8:20] not in text
        assert token.digest not in text and token.digest[:20] not in text
    assert key[:8] in listing.content.decode()  # the prefix that tells tokens apart

    delete = reverse("admin:api_tokens_apitoken_delete", args=[token.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.exists()
    assert whoami_status(key) == 401
    revoked_by = User.history.filter(id=owner.pk).latest("history_date").history_user
    assert revoked_by == admin_user


def test_a_user_without_admin_rights_cannot_revoke_through_the_admin(client, owner):
    from tests.factories import api_key_for

    key = api_key_for(owner)
    client.force_login(owner)
    token = ApiToken.objects.get()
    response = client.post(
        reverse("admin:api_tokens_apitoken_delete", args=[token.pk]), {"post": "yes"}
    )
    assert response.status_code in (302, 403)
    assert whoami_status(key) == 400


def test_the_page_speaks_chinese_too(page):
    create(page)
    response = page.get(reverse(PAGE), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = response.content.decode()
    assert "您的令牌" in text and "创建令牌" in text and "从未" in text
    bad = page.post(reverse(PAGE), {"name": "x", "days": "0"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400 and "有效期（天）" in bad.content.decode()


def test_the_openapi_scheme_describes_the_token_header():
    from drf_spectacular.generators import SchemaGenerator

    schemes = SchemaGenerator().get_schema(request=None, public=True)["components"][
        "securitySchemes"
    ]
    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert "Token <key>" in schemes["tokenAuth"]["description"]


class _SchemaEditor:
    """What the migration function uses of a schema editor, usable inside a test's
    transaction on SQLite too."""

    def __init__(self):
        self.connection = connection

    def quote_name(self, name):
        return connection.ops.quote_name(name)

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_plain_text_tokens_of_before_become_digests_and_keep_working(owner, settings):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "readiness.api_tokens.migrations.0002_hash_plaintext_tokens"
    )
    key = "0123456789abcdef0123456789abcdef01234567"  # a rest_framework.authtoken key
    user_table = connection.ops.quote_name(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp "
            f"with time zone NOT NULL, user_id bigint NOT NULL REFERENCES {user_table} (id))"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, timezone.now(), owner.pk]
        )
    migration.hash_plaintext_tokens(apps, _SchemaEditor())

    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (owner, migration.MIGRATED_NAME)
    assert key not in every_stored_text()
    assert token.expiry - timezone.now() > timedelta(days=settings.API_TOKEN_DAYS - 1)
    assert whoami_status(key) == 400


@pytest.mark.parametrize(
    "header",
    ["Token é", "Token \x00abc", "Token abc\x7f", "Token " + "f" * 10_000, "Token a b", "Token"],
)
def test_a_malformed_token_gets_401_in_the_error_shape(header):
    response = APIClient().post(
        reverse("api-evidence-list"), {}, format="json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"]["status"] == response.status_code


@pytest.mark.django_db
def test_the_migrations_leave_no_table_that_no_model_describes():
    """A table outside the models (knox's own, for the model ApiToken replaces) is never emptied
    by a flush and, with a foreign key to the users, makes PostgreSQL refuse every truncate."""
    from django.db import connection

    tables = set(connection.introspection.table_names())
    described = set(connection.introspection.django_table_names(include_views=False))
    assert tables - described - {"django_migrations"} == set()
