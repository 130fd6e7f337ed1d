"""Production settings: everything from `readiness.settings`, hardened, and a refusal to start
with a missing or development secret key."""

import os

from django.core.exceptions import ImproperlyConfigured

from readiness.settings import *  # noqa: F403
from readiness.settings import INSECURE_DEVELOPMENT_KEY, SECRET_KEY, env_bool

if not SECRET_KEY or SECRET_KEY == INSECURE_DEVELOPMENT_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        '(e.g. python -c "import secrets; print(secrets.token_urlsafe(64))").'
    )

DEBUG = False
DEMO_MODE = env_bool("DEMO_MODE", False)
STORAGES = {
    **STORAGES,  # noqa: F405  (the document storage chosen from the environment)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The reverse proxy terminates TLS and says so in X-Forwarded-Proto (it must overwrite the
# header a client sends).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the bundled reverse proxy: the client address is the last entry of X-Forwarded-For
# (set TRUSTED_PROXY_COUNT=0 when the application is exposed directly, 2 with a load balancer in
# front of the proxy, ...). It is the only proxy setting: the login lockout, the password-reset
# limit and the API throttles all read the address from readiness.client_ip.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# nosniff, Referrer-Policy, X-Frame-Options DENY and Cross-Origin-Opener-Policy come from the
# base settings; `manage.py check --deploy --fail-level WARNING` passes with these (tested).
