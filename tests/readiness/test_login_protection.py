"""Login lockout (django-axes behind the reverse proxy) and the password-reset pages around it."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from readiness.client_ip import client_ip
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed log-in attempts"


@pytest.fixture
def account(db):
    return UserFactory(username="amara")


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # the password-reset limit counts in the cache
    yield
    cache.clear()


def log_in(client, password: str, username: str = "amara", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, times: int, **extra) -> None:
    for _ in range(times):
        response = log_in(client, "wrong-password", **extra)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()


def test_five_failures_lock_the_account_from_that_address_even_for_the_right_password(account):
    client = Client(REMOTE_ADDR="198.51.100.7")
    fail(client, 4)
    response = log_in(client, "wrong-password")
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page and "15 minutes" in page
    assert 'name="username"' in page and 'value="amara"' in page  # still the login page
    assert reverse("password_reset") in page

    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lockout_is_per_username_and_address(account):
    UserFactory(username="kofi")
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    fail(attacker, 4)
    assert log_in(attacker, "wrong-password").status_code == 429

    colleague = Client(REMOTE_ADDR="198.51.100.8")
    assert log_in(colleague, PASSWORD).status_code == 302  # same account, another address
    assert logged_in(colleague)
    same_address = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(same_address, PASSWORD, username="kofi").status_code == 302


def test_a_successful_log_in_clears_the_count(account):
    client = Client(REMOTE_ADDR="198.51.100.7")
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)  # would have been the 8th failure
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_lockout_ends_after_the_cool_off(account):
    client = Client(REMOTE_ADDR="198.51.100.7")
    fail(client, 4)
    assert log_in(client, "wrong-password").status_code == 429
    attempt = AccessAttempt.objects.get(username="amara")
    attempt.attempt_time -= timedelta(minutes=16)
    attempt.save()
    assert log_in(client, PASSWORD).status_code == 302


def test_the_lockout_message_is_translated(account):
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(5):
        response = log_in(client, "wrong-password")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_the_admin_has_no_login_form_of_its_own(account):
    account.is_round_admin = True
    account.save()
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = client.post(
        reverse("admin:login"), {"username": "amara", "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not logged_in(client)


# --- the client address behind the reverse proxy ---------------------------------------------


def address(settings, proxies: int, remote: str, forwarded: str | None = None) -> str | None:
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_without_a_configured_proxy_the_forwarded_header_is_ignored(settings):
    assert address(settings, 0, "198.51.100.7", "203.0.113.5") == "198.51.100.7"


def test_with_one_proxy_the_last_forwarded_address_is_the_client(settings):
    assert address(settings, 1, "10.0.0.2", "203.0.113.5") == "203.0.113.5"
    # whatever the client wrote itself is left of what the proxy appended
    assert address(settings, 1, "10.0.0.2", "1.2.3.4, 203.0.113.5") == "203.0.113.5"
    assert address(settings, 2, "10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.9") == "203.0.113.5"
    assert address(settings, 1, "10.0.0.2") == "10.0.0.2"  # not through the proxy
    assert address(settings, 1, "10.0.0.2", "not-an-address") == "10.0.0.2"


def test_rotating_a_forged_header_does_not_escape_the_lockout_without_a_proxy(settings, account):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(5):
        log_in(client, "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_the_proxy_each_client_address_is_counted_apart(settings, account):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(5):
        log_in(proxy, "wrong-password", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.5")
    locked = log_in(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    assert locked.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    other = log_in(Client(REMOTE_ADDR="10.0.0.2"), PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert other.status_code == 302


# --- password reset ---------------------------------------------------------------------------


def test_a_completed_password_reset_lifts_the_lockout(account, mailoutbox):
    client = Client(REMOTE_ADDR="198.51.100.7")
    fail(client, 4)
    assert log_in(client, "wrong-password").status_code == 429

    client.post(reverse("password_reset"), {"email": account.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mailoutbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    new_password = "a-brand-new-long-password"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="amara").exists()
    assert log_in(client, new_password).status_code == 302


def test_password_reset_requests_are_limited_per_address(account, mailoutbox, settings):
    settings.PASSWORD_RESET_LIMIT = 3
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": account.email}).status_code == 302
    refused = client.post(reverse("password_reset"), {"email": account.email})
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    assert len(mailoutbox) == 3
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.post(reverse("password_reset"), {"email": account.email}).status_code == 302
    assert len(mailoutbox) == 4
