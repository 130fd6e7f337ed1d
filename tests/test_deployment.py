"""The deployment files: docker-compose.yml, the Dockerfile, the nginx template, the gunicorn
settings and the container health checks. (No Docker engine runs the tests; the nginx template
is run for real when nginx is installed.)"""

import http.server
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.submissions.sample_files import make_pdf

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
NGINX_TEMPLATE = (ROOT / "docker" / "nginx.conf.template").read_text()
LONG_RUNNING = ("web", "worker", "beat", "nginx", "postgres", "redis")


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "docker/healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = load_healthcheck()


def compose_default(value: str) -> str:
    """The default of a compose "${NAME:-default}" value."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return match.group(1) if match else value


def size_in_bytes(nginx_size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", nginx_size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_every_service_of_the_production_shape_is_there_with_a_health_check():
    assert set(LONG_RUNNING) | {"migrate"} <= set(SERVICES)
    for name in LONG_RUNNING:
        assert SERVICES[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert SERVICES[name]["restart"] == "unless-stopped"


def test_the_web_health_check_is_healthz_and_the_processes_are_the_right_ones():
    assert SERVICES["web"]["healthcheck"]["test"] == [
        "CMD", "python", "docker/healthcheck.py", "web"
    ]  # fmt: skip
    assert healthcheck.WEB_URL.endswith("/healthz")
    assert SERVICES["web"]["command"].startswith("gunicorn readiness.wsgi:application")
    assert SERVICES["worker"]["command"].startswith("celery -A readiness.celery worker")
    assert SERVICES["beat"]["command"].startswith("celery -A readiness.celery beat")
    assert "migrate --noinput" in SERVICES["migrate"]["command"]
    for name in ("web", "worker", "beat"):
        needs = SERVICES[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}
        assert needs["postgres"] == {"condition": "service_healthy"}
    assert SERVICES["nginx"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_data_and_documents_live_on_named_volumes():
    assert {"pgdata", "media", "redisdata"} <= set(COMPOSE["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    media_root = SERVICES["web"]["environment"]["MEDIA_ROOT"]
    for name in ("web", "worker", "beat"):
        assert f"media:{media_root}" in SERVICES[name]["volumes"]
    assert f"media:{media_root}:ro" in SERVICES["nginx"]["volumes"]


def test_the_proxy_serves_documents_from_the_same_place_the_application_names():
    environment = SERVICES["web"]["environment"]
    prefix = environment["DOCUMENTS_INTERNAL_REDIRECT_PREFIX"]
    location = re.search(
        rf"location {re.escape(prefix)} \{{(.*?)\}}", NGINX_TEMPLATE, re.DOTALL
    ).group(1)
    assert "internal;" in location
    assert f"alias {environment['MEDIA_ROOT']}/;" in location
    assert "add_header X-Content-Type-Options nosniff always;" in location


def test_the_proxy_body_cap_matches_the_upload_cap():
    from django.conf import settings

    app_cap = int(compose_default(SERVICES["web"]["environment"]["EVIDENCE_UPLOAD_MAX_BYTES"]))
    assert app_cap == settings.EVIDENCE_UPLOAD_MAX_BYTES
    proxy_cap = size_in_bytes(
        compose_default(SERVICES["nginx"]["environment"]["NGINX_CLIENT_MAX_BODY_SIZE"])
    )
    # room for the multipart envelope, but not a second document's worth
    assert app_cap < proxy_cap <= app_cap + 2 * 1024**2
    assert "client_max_body_size ${NGINX_CLIENT_MAX_BODY_SIZE};" in NGINX_TEMPLATE


def test_the_proxy_sets_the_forwarding_headers_itself():
    for header in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-Proto $forwarded_proto;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    ):
        assert header in NGINX_TEMPLATE


def test_the_image_runs_as_an_unprivileged_user_with_static_files_collected_at_build():
    app_stage = DOCKERFILE.split("AS proxy")[0]
    assert re.search(r"^USER tracker$", app_stage, re.MULTILINE)
    assert "manage.py collectstatic --noinput" in app_stage
    assert "--require-hashes" in app_stage
    assert "COPY --from=app /app/staticfiles /srv/www/static" in DOCKERFILE
    assert "root /srv/www;" in NGINX_TEMPLATE
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "media"} <= set(ignored)


def test_gunicorn_takes_its_worker_count_from_web_concurrency():
    code = "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"
    env = {**os.environ, "WEB_CONCURRENCY": "7"}
    output = subprocess.run(
        ["python", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "7"


def test_gunicorn_recycles_workers_rarely_and_warms_them_before_forking():
    code = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(c['max_requests'], c['max_requests_jitter'], callable(c['when_ready']))"
    )
    env = {**os.environ, "GUNICORN_MAX_REQUESTS": "30000"}
    output = subprocess.run(
        ["python", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert output.stdout.split() == ["30000", "3000", "True"]


# --- the container health-check script ---------------------------------------------------


class Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    seen: dict = {}

    def do_GET(self):
        Answer.seen = {"path": self.path, **dict(self.headers)}
        self.send_response(Answer.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_web():
    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/healthz"
    server.shutdown()


def test_the_web_check_passes_on_200_only_and_sends_an_allowed_host(fake_web, monkeypatch):
    check_web = healthcheck.check_web
    monkeypatch.setenv("ALLOWED_HOSTS", "tracker.example.org,localhost")
    Answer.status = 200
    assert check_web(fake_web)
    assert Answer.seen["Host"] == "tracker.example.org"
    assert Answer.seen["X-Forwarded-Proto"] == "https"
    Answer.status = 503
    assert not check_web(fake_web)
    assert not check_web("http://127.0.0.1:1/healthz")


def test_the_beat_check_wants_a_recently_written_schedule(tmp_path):
    check_beat = healthcheck.check_beat
    schedule = tmp_path / "celerybeat-schedule"
    assert not check_beat(str(schedule))
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"x")
    assert check_beat(str(schedule), max_age=600)
    old = time.time() - 900
    os.utime(tmp_path / "celerybeat-schedule.dat", (old, old))
    assert not check_beat(str(schedule), max_age=600)


# --- the nginx template, run for real in front of the application -------------------------

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PDF = make_pdf()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_template(values: dict) -> str:
    """What the nginx image's entrypoint does: ${NAME} replaced for the names it is given."""
    rendered = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), NGINX_TEMPLATE)
    assert "${" not in rendered
    return rendered


@pytest.fixture
def nginx(tmp_path, live_server, settings):
    if NGINX is None or not Path("/etc/nginx/mime.types").exists():
        pytest.skip("nginx is not installed")
    media, www = tmp_path / "media", tmp_path / "www"
    (www / "static" / "css").mkdir(parents=True)
    (www / "static" / "css" / "site.0123456789ab.css").write_text("body{}")
    settings.MEDIA_ROOT = media
    settings.DOCUMENTS_INTERNAL_REDIRECT_PREFIX = "/protected-documents/"
    port = free_port()
    site = render_template(
        {
            "NGINX_UPSTREAM": live_server.url.removeprefix("http://"),
            "NGINX_CLIENT_MAX_BODY_SIZE": "1m",
            "NGINX_TLS_TERMINATED_IN_FRONT": "false",
        }
    ).replace("listen 80 default_server;", f"listen 127.0.0.1:{port};")
    site = site.replace("/srv/www", str(www)).replace("alias /data/media/;", f"alias {media}/;")
    (tmp_path / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(f"""
        {user} daemon off; worker_processes 1; pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/error.log;
        events {{}}
        http {{
            include /etc/nginx/mime.types; default_type application/octet-stream;
            access_log off;
            client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
            include {tmp_path}/site.conf;
        }}""")
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def fetch(url: str, *, cookie: str = "", data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def session_cookie(client, user) -> str:
    from django.conf import settings

    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
def test_behind_the_real_proxy_a_permitted_download_is_served_by_nginx(
    nginx, client, focal_point, other_focal_point, open_round, party
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from submissions.services import document_add
    from tests.factories import make_evidence

    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    document = document_add(
        actor=focal_point, evidence=evidence, uploaded_file=SimpleUploadedFile("Décret.pdf", PDF)
    )
    url = f"{nginx}/documents/{document.pk}/"

    status, headers, body = fetch(url, cookie=session_cookie(client, focal_point))
    assert (status, body) == (200, PDF)
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == "attachment; filename*=utf-8''D%C3%A9cret.pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "private, no-store"
    assert "X-Accel-Redirect" not in headers

    assert fetch(url, cookie=session_cookie(client, other_focal_point))[0] == 404
    assert fetch(url)[0] == 404  # anonymous: the evidence is a draft
    assert fetch(f"{nginx}/protected-documents/{document.file.name}")[0] == 404


@pytest.mark.django_db(transaction=True)
def test_the_real_proxy_serves_static_files_and_caps_request_bodies(nginx):
    status, headers, body = fetch(f"{nginx}/static/css/site.0123456789ab.css")
    assert (status, body) == (200, b"body{}")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(f"{nginx}/healthz")[0] == 200
    assert fetch(f"{nginx}/healthz", data=b"x" * (2 * 1024**2))[0] == 413


# --- the README's list of environment variables ---------------------------------------------

ENVIRONMENT_READERS = (
    "readiness/settings.py",
    "readiness/settings_production.py",
    "readiness/storage_config.py",
    "gunicorn.conf.py",
)
READ = re.compile(
    r"""(?:environ(?:\.get)?[(\[]|env_bool\(|env_list\(|env(?:\.get)?[(\[])"([A-Z][A-Z0-9_]+)"|"""
    r"""^\s+"(S3_[A-Z0-9_]+)": "[a-z_]+",""",  # storage_config.S3_OPTIONS_FROM_ENV
    re.MULTILINE,
)


def variables_read() -> set[str]:
    names = set()
    for path in ENVIRONMENT_READERS:
        for match in READ.finditer((ROOT / path).read_text()):
            names.add(match.group(1) or match.group(2))
    return names


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    compose_variables = set(
        re.findall(r"\$\{([A-Z][A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text())
    )
    names = variables_read() | compose_variables
    assert {"SECRET_KEY", "DATABASE_URL", "S3_ENDPOINT_URL", "WEB_CONCURRENCY"} <= names
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert not undocumented, f"variables missing from README.md: {undocumented}"


def test_the_example_environment_file_names_only_known_variables():
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    compose_variables = set(
        re.findall(r"\$\{([A-Z][A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text())
    )
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS"} <= named
    assert named <= compose_variables


def test_compose_passes_every_setting_to_the_application():
    """Compose hands a container only the variables it lists: an operator's .env entry for a
    variable missing here would silently do nothing."""
    # the production settings turn DEBUG off; the image and gunicorn.conf.py fix the others
    fixed = {"DEBUG", "STATIC_ROOT", "GUNICORN_BIND", "FORWARDED_ALLOW_IPS"}
    passed = set(SERVICES["web"]["environment"])
    assert not sorted(variables_read() - passed - fixed)


def test_the_virus_scanner_is_opt_in_and_takes_a_whole_upload():
    clamd = SERVICES["clamd"]
    assert clamd["profiles"] == ["antivirus"]  # `docker compose up` alone does not start it
    assert clamd["healthcheck"]["test"] and clamd["restart"] == "unless-stopped"
    assert "./docker/clamd.conf:/etc/clamav/clamd.conf:ro" in clamd["volumes"]
    environment = SERVICES["web"]["environment"]
    assert compose_default(environment["CLAMD_URL"]) == ""  # scanning is off unless asked for
    config = (ROOT / "docker" / "clamd.conf").read_text()
    assert re.search(r"^TCPSocket 3310$", config, re.MULTILINE)
    stream_limit = re.search(r"^StreamMaxLength (\d+)M$", config, re.MULTILINE)
    app_cap = int(compose_default(environment["EVIDENCE_UPLOAD_MAX_BYTES"]))
    assert int(stream_limit.group(1)) * 1024 * 1024 > app_cap


def test_only_the_migrations_connect_as_the_tables_owner():
    """web, worker and beat connect as the runtime role (rows only: issue 13, finding 6); the
    migrate service connects as the owner and creates that role after migrating."""
    owner = SERVICES["migrate"]["environment"]["DATABASE_URL"]
    assert owner.startswith("postgres://${POSTGRES_USER:-tracker}:")
    command = SERVICES["migrate"]["command"]
    assert command.index("migrate --noinput") < command.index("create_runtime_role")
    assert "--password-env RUNTIME_DB_PASSWORD" in command
    for name in ("web", "worker", "beat"):
        url = SERVICES[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgres://${RUNTIME_DB_USER:-tracker_app}:${RUNTIME_DB_PASSWORD")
        assert "RUNTIME_DB_PASSWORD" not in SERVICES[name]["environment"]
