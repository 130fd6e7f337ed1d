import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def settings_in_subprocess(module: str, expression: str, **env) -> subprocess.CompletedProcess:
    """Imports a settings module with a controlled environment and prints `expression`."""
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    code = f"import {module} as s; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_are_sqlite_eager_tasks_and_local_memory_cache():
    result = settings_in_subprocess(
        "readiness.settings",
        "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[1], s.EMAIL_BACKEND.rsplit('.', 2)[1]",
    )
    assert result.stdout.strip() == ("django.db.backends.sqlite3 True LocMemCache console"), (
        result.stderr
    )


def test_database_and_redis_urls_select_postgresql_redis_and_persistent_connections():
    result = settings_in_subprocess(
        "readiness.settings",
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_MAX_AGE'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[1]",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/readiness",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "60",
        "False",
        "redis://127.0.0.1:6379/0",
        "ReusingRedisCache",  # readiness/redis_cache.py
    ], result.stderr


def test_the_redis_transport_imports():
    """Celery installed without its redis extra cannot talk to the broker."""
    from kombu.transport import redis as redis_transport

    assert redis_transport.Transport.driver_name == "redis"


@pytest.mark.parametrize("secret", ["", "short", None])
def test_production_settings_refuse_a_missing_or_weak_secret_key(secret):
    env = {} if secret is None else {"SECRET_KEY": secret}
    result = settings_in_subprocess("readiness.settings_production", "s.DEBUG", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_start_with_a_real_secret_key():
    result = settings_in_subprocess(
        "readiness.settings_production",
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[1]",
        SECRET_KEY="k" * 64,
        ALLOWED_HOSTS="tracker.example.org",
    )
    # fingerprinted, compressed static files, served with a long cache lifetime by WhiteNoise
    assert result.stdout.split() == [
        "False", "True", "True", "CompressedManifestStaticFilesStorage",
    ], result.stderr  # fmt: skip


def test_the_scoring_engine_imports_without_django():
    result = subprocess.run(
        [sys.executable, "-c", "import sys, readiness.grading; print('django' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "False", result.stderr


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "readiness.settings_production",
    "SECRET_KEY": "production-test-" + "k" * 60,
    "ALLOWED_HOSTS": "tracker.example.org",
}


def run_in_production(*args: str) -> subprocess.CompletedProcess:
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECURE_COOKIES",
                       "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT",
                       # set by the browser tests' fixture in this process (Playwright)
                       "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean_env, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check_with_warnings_as_failures():
    result = run_in_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_check_would_fail_on_a_weakened_setting():
    """The check above can fail: without HSTS it reports security.W004."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV, "SECURE_HSTS_SECONDS": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_production_hashes_passwords_with_argon2_and_sends_the_security_headers():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.contrib.auth.hashers import make_password\n"
        "print(make_password('correct horse battery staple').split('$')[0])\n"
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SESSION_COOKIE_HTTPONLY, settings.SECURE_HSTS_SECONDS,"
        " settings.SECURE_PROXY_SSL_HEADER == ('HTTP_X_FORWARDED_PROTO', 'https'),"
        " settings.X_FRAME_OPTIONS, settings.SECURE_REFERRER_POLICY,"
        " settings.SECURE_CROSS_ORIGIN_OPENER_POLICY, settings.SECURE_CONTENT_TYPE_NOSNIFF)\n"
    )
    result = run_in_production("-c", code)
    assert result.stdout.split() == [
        "argon2", "True", "True", "True", "31536000", "True", "DENY", "same-origin",
        "same-origin", "True",
    ], result.stderr  # fmt: skip
