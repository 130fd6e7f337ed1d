"""Settings for every environment, read from environment variables.

The defaults give the embedded setup (SQLite, eager Celery tasks, local-memory cache, console
e-mail). `readiness.settings_production` tightens them for a deployment.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from readiness.storage_config import document_storage

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


INSECURE_DEVELOPMENT_KEY = "django-insecure-development-only-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEVELOPMENT_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "readiness.apps.ReadinessAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "readiness.apps.ReadinessConfig",
    "readiness.api_tokens",
    "submissions",
    "reviews",
]

MIDDLEWARE = [
    # First, so that every response carries their headers: static files (SVG included) and
    # the security middleware's own redirect to HTTPS too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL byte in the address or a header is a 400 before any view (PostgreSQL refuses it).
    "readiness.input_guard.RefuseUnstorableCharacters",
    # Pages such as the overview carry an inline SVG map: compressed, they stay light on a
    # slow link. (CSRF tokens are masked per request, which defeats BREACH-style guessing.)
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "readiness.two_factor.OTPMiddleware",  # django-otp's, reading the device more cheaply
    # Reviewers and round admins finish the two-factor log-in before anything else.
    "readiness.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Every Http404 a view raises gets the same page, DEBUG or not (hidden = missing).
    "readiness.not_found.UniformNotFound",
    # Last, as django-axes asks: it turns a lockout flagged during the request into the page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "readiness.urls"
WSGI_APPLICATION = "readiness.wsgi.application"
ASGI_APPLICATION = "readiness.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "readiness.context_processors.site",
            ],
        },
    },
]

# SQLite file by default; PostgreSQL (psycopg 3) when DATABASE_URL says so. Persistent
# connections roughly double the throughput of a database-backed page.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "readiness.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first: new and re-saved passwords use it; older hashes still verify and are upgraded
# at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Login lockout (readiness/login_protection.py): AXES_FAILURE_LIMIT failures for one username
# from one client address lock that pair out for AXES_COOLOFF_TIME; a success clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "readiness.login_protection.lockout_response"
AXES_CLIENT_IP_CALLABLE = "readiness.client_ip.client_ip"
AXES_ENABLE_ADMIN = False  # readiness/admin.py shows the attempts read-only to round admins
AXES_VERBOSE = False
# How many reverse proxies append to X-Forwarded-For in front of the application: 0 ignores the
# header (direct exposure); the production settings default to 1 (the bundled proxy). The one
# setting for every per-address limit: login lockout, password-reset requests, API throttles.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
PASSWORD_RESET_LIMIT = int(os.environ.get("PASSWORD_RESET_LIMIT", "5"))  # per client address
PASSWORD_RESET_WINDOW = 15 * 60  # seconds
# Two-factor authentication for reviewers and round admins (readiness/two_factor.py).
OTP_TOTP_ISSUER = "Article 6 Readiness Tracker"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Evidence documents: the local disk (MEDIA_ROOT) or an S3-compatible bucket (README,
# "Deployment"); downloads go through the permission-checked view either way.
DOCUMENTS_STORAGE = os.environ.get("DOCUMENTS_STORAGE", "") or "filesystem"
S3_PRESIGNED_EXPIRY = int(os.environ.get("S3_PRESIGNED_EXPIRY", "60"))  # seconds
# Behind nginx: the view answers with X-Accel-Redirect to this internal location instead of
# streaming the file itself (docker/nginx.conf.template).
DOCUMENTS_INTERNAL_REDIRECT_PREFIX = os.environ.get("DOCUMENTS_INTERNAL_REDIRECT_PREFIX", "")
STORAGES = {
    "default": document_storage(os.environ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # One client per pool; an unreachable Redis is answered as an empty cache.
            "BACKEND": "readiness.redis_cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "readiness",
            # A request waits at most this long on a Redis that is down or hangs, and then
            # leaves it alone for outage_retry_seconds (readiness/redis_cache.py).
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 1,
                "outage_retry_seconds": float(os.environ.get("CACHE_OUTAGE_RETRY_SECONDS", "5")),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Public results pages and API results lists, cached under keys carrying the round's versions
# (readiness/results_cache.py); this is only a backstop lifetime. 0 turns the cache off.
RESULTS_CACHE_SECONDS = int(os.environ.get("RESULTS_CACHE_SECONDS", "3600"))
# Each process keeps the stored pages it used last in memory too, up to this many bytes (0: off),
# and reuses a published or archived round's state for this many seconds (0: off): archiving
# and another round's publication show that much later. See readiness/results_cache.py.
RESULTS_LOCAL_CACHE_BYTES = int(os.environ.get("RESULTS_LOCAL_CACHE_BYTES", str(32 * 2**20)))
RESULTS_STATE_SECONDS = float(os.environ.get("RESULTS_STATE_SECONDS", "2"))

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Nothing reads the result of a queued task (an import's progress is on its ImportJob row), so
# no task stores one and publishing never touches the result backend: with a result, publishing
# first subscribes to it, whose reconnect loop ignores the publish retry policy (20 tries, a
# second apart, with Redis down). Only `readiness.ping` keeps its result (tests, benchmarks),
# and reading it gives up quickly.
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 1}}
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "article6-tracker@localhost")
# Seconds an SMTP connect or send may take before the outbox records a failure and retries.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SPECTACULAR_SETTINGS = {
    "TITLE": "Article 6 Readiness Tracker API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Parties, groupings, assessment rounds, methodology, evidence with its documents, "
        "decisions, comments, results, aggregates and open-data exports. Authenticate with a "
        "personal token (`Authorization: Token <key>`, created on your account's API tokens "
        "page, shown once, valid for the days chosen there; an expired or revoked token gets "
        'a 401) or a session. Every error has the shape `{"error": {"status", "code", '
        '"message", "fields"}}`.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,  # the schema document does not describe itself
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "readiness.api_schema.add_error_responses",
    ],
    # Served by the application itself: deployments sit on closed networks.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: a bad token is then a 401 with WWW-Authenticate, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "readiness.api_tokens.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "readiness.api_errors.api_exception_handler",
    # DRF's JSON parser, refusing too deep nesting and strings PostgreSQL cannot store.
    "DEFAULT_PARSER_CLASSES": [
        "readiness.api_parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Reads follow the policy's visibility; every write needs a signed-in user.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "readiness.api_pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "readiness.api_throttles.WriteRateThrottle",
        "readiness.api_throttles.AnonymousReadThrottle",
    ],
    # Counted in the default cache, per user or per client address (readiness.client_ip, the
    # same TRUSTED_PROXY_COUNT as the login lockout; DRF's own NUM_PROXIES is not used).
}
# Personal API tokens (readiness/api_tokens, django-rest-knox): only a digest is stored; a token
# lives at most API_TOKEN_DAYS days (its owner may choose fewer when creating it).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
KNOX_TOKEN_MODEL = "api_tokens.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # `Authorization: Token <key>`, as before
    "AUTO_REFRESH": False,  # an expiry is a promise to the owner: using a token does not extend it
}
# knox's own migrations create a table for its model even when KNOX_TOKEN_MODEL replaces it: an
# empty table with a foreign key to the users that PostgreSQL then refuses to truncate (every
# transactional test's flush failed). Swapped out, the model needs no table and no migration.
MIGRATION_MODULES = {"knox": None}
API_THROTTLE_RATES = {
    "write": os.environ.get("API_WRITE_RATE", "120/minute"),
    "anonymous": os.environ.get("API_ANONYMOUS_RATE", "1200/minute"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Without a worker, tasks run in-process: their success lines would fill the console.
    "loggers": {
        "celery.app.trace": {"level": "INFO" if os.environ.get("REDIS_URL") else "WARNING"},
        # failures and lockouts (WARNING) are worth keeping; the per-attempt notes are not
        "axes": {"level": "WARNING"},
    },
}

# Security headers on every response, in every environment (the crawl test checks them);
# HTTPS-only settings (HSTS, secure cookies, redirect) are in readiness.settings_production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Django's database sessions, read with a hand-written statement instead of the ORM.
SESSION_ENGINE = "readiness.sessions"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): everything from this origin only, no inline script and
# no inline style anywhere (charts are SVG shapes, the Swagger UI loads its start-up script as
# a file: readiness/api_docs.py). `data:` images are for the Swagger UI's stylesheet icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Shown on every page while the data are synthetic demo data.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)
SIMPLE_HISTORY_REVERT_DISABLED = True  # a revert would bypass the services
EVIDENCE_UPLOAD_MAX_BYTES = int(os.environ.get("EVIDENCE_UPLOAD_MAX_BYTES", 25 * 1024 * 1024))
# What a DOCX, XLSX, ODT or ODS may inflate to, all its members together.
EVIDENCE_UPLOAD_MAX_UNPACKED_BYTES = int(
    os.environ.get("EVIDENCE_UPLOAD_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
)
# clamd (tcp://host:port or unix:///path): when set, every upload is scanned before it is stored,
# and refused while clamd cannot answer.
CLAMD_URL = os.environ.get("CLAMD_URL", "")
CLAMD_TIMEOUT_SECONDS = float(os.environ.get("CLAMD_TIMEOUT_SECONDS", "30"))
# Imports with more rows than this run as a Celery task with a progress page; one that no worker
# has started after STALLED_IMPORT_SECONDS (broker down when it was made) is queued again.
EVIDENCE_IMPORT_BACKGROUND_ROWS = int(os.environ.get("EVIDENCE_IMPORT_BACKGROUND_ROWS", "200"))
STALLED_IMPORT_SECONDS = 120
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")  # links in e-mails
FILE_UPLOAD_HANDLERS = [
    "submissions.upload_handlers.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Reliability of background work (DESIGN §5). A task is acknowledged after it ran, and
# delivered again if its worker died; Redis re-delivers unacknowledged tasks after the
# visibility timeout, which must exceed the longest countdown, retry backoff and time limit.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Recomputes go first: with Redis, priority 0 is taken before anything else queued (e-mails,
# imports), so a burst of approvals, each queueing its e-mail, cannot hold the grades back.
# Other tasks get 5 (Redis's step 3 of 0/3/6/9).
CELERY_TASK_DEFAULT_PRIORITY = 5
RECOMPUTE_PRIORITY = 0
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A request that commits a change must not hang when the broker is down: publish once, fail
# fast, and let the sweep catch up.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# /healthz reports the worker as down when its last heartbeat (written every 10 s) is older.
HEALTHZ_WORKER_MAX_AGE = int(os.environ.get("HEALTHZ_WORKER_MAX_AGE", "60"))
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-rounds": {"task": "readiness.sweep_stale_rounds", "schedule": 60.0},
    # E-mail the on-commit delivery missed (broker down) or must retry (readiness/outbox.py).
    "deliver-outbox": {"task": "readiness.deliver_outbox", "schedule": 60.0},
    # Imports queued while the broker was down, or whose worker died (submissions/import_jobs.py).
    "requeue-stalled-imports": {"task": "submissions.requeue_stalled_imports", "schedule": 60.0},
    "close-rounds-past-deadline": {
        "task": "readiness.close_rounds_past_deadline",
        "schedule": 300.0,
    },
}
