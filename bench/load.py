"""Load benchmark: the demo data on PostgreSQL and Redis behind gunicorn, measured with wrk.

Run: make bench-load   (needs the local PostgreSQL and Redis, and wrk)

1. Creates its own database (readiness_load), loads the demo (195 Parties, the published 2025
   round, the open 2026 round), collects the static files, and adds 200 focal points, each with
   a draft evidence item to upload to.
2. Starts gunicorn (production settings: DEBUG off, WhiteNoise, Redis cache; the URL
   configuration adds a minimal view, bench/load_urls.py) on a free local port.
3. Measures with wrk at 32 connections, each page beside the minimal view in the same run:
   cycles of minimal view, public overview, a Party profile, the Party table API and the
   reviewer queue (a verified reviewer session, second factor included); each page's ratio is
   taken against the minimal view of its own cycle, and the medians are reported. Every
   request comes from another client address (bench/wrk_visitors.lua), as behind nginx.
4. 200 focal points upload a 5 MB PDF each, all at once, straight to gunicorn: every upload
   must succeed; the gunicorn workers' peak resident memory (VmHWM) is reported.
Prints a Markdown table for docs/performance.md; drops the database and the Redis database at
the end.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
LOAD_DB = "readiness_load"
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/12")
WRK = shutil.which("wrk") or "/usr/bin/wrk"

# (label, path, needs the reviewer's session, ratio target, p99 target in ms)
TARGETS = [
    ("public overview", "/results/2025/", False, 0.5, 100),
    ("Party profile", "/results/2025/parties/GHA/", False, 0.5, 100),
    ("Party table API", "/api/v1/rounds/2025/results/", False, 0.25, None),
    ("reviewer queue", "/reviews/", True, 0.1, None),
]
MINIMAL = "/bench/minimal/"


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(workdir: Path, *, redis: bool) -> dict:
    base = ADMIN_URL.rsplit("/", 1)[0]
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DATABASE_URL": f"{base}/{LOAD_DB}",
        "REDIS_URL": REDIS_URL if redis else "",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "0",
        "DEMO_MODE": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        # As behind the bundled proxy: the client address is the last X-Forwarded-For entry,
        # which wrk sets to a random address per request (bench/wrk_visitors.lua).
        "TRUSTED_PROXY_COUNT": "1",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def prepare(workdir: Path, *, build: bool = True) -> dict:
    """The database with the demo data, the static files, and in-process Django for the
    accounts and sessions (tasks run in-process while loading: no worker is needed)."""
    env = environment(workdir, redis=False)
    started = time.perf_counter()
    if build:
        admin_sql(f"DROP DATABASE IF EXISTS {LOAD_DB}")
        admin_sql(f"CREATE DATABASE {LOAD_DB}")
        manage(env, "migrate", "--noinput")
        manage(env, "setup_demo")
    manage(env, "collectstatic", "--noinput")
    print(f"demo data and static files ready in {time.perf_counter() - started:.0f} s")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env


def logged_in_cookie(user, *, second_factor: bool = False) -> str:
    """A session cookie for `user`, made the way a log-in makes it; with `second_factor`, the
    session also carries a verified django-otp device, as after the code was entered."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    if second_factor and "django_otp" in settings.INSTALLED_APPS:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="load benchmark", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def uploaders(count: int, start: int = 0) -> list[tuple[str, int]]:
    """`count` focal points, each with a draft in the open round: (session cookie, evidence id)."""
    from readiness.models import AssessmentRound, AssignmentRole, SubPillar
    from readiness.services import party_assignment_add, system_user, user_create
    from submissions.services import evidence_create

    actor = system_user()
    open_round = AssessmentRound.objects.get(slug="2026")
    parties = [m.party for m in open_round.memberships.select_related("party").order_by("party")]
    sub_pillars = list(SubPillar.objects.filter(pillar__round=open_round).order_by("code"))
    result = []
    for index in range(start, start + count):
        party = parties[index % len(parties)]
        user = user_create(actor=actor, username=f"load.focal{index}")
        party_assignment_add(actor=actor, user=user, party=party, role=AssignmentRole.FOCAL_POINT)
        evidence = evidence_create(
            actor=user,
            assessment_round=open_round,
            party=party,
            sub_pillar=sub_pillars[index % len(sub_pillars)],
            claimed_level=1,
            narrative="Load benchmark draft.",
        )
        result.append((logged_in_cookie(user), evidence.pk))
    return result


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "readiness.wsgi:application",
         "--config", "gunicorn.conf.py", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{MINIMAL}", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def memory_kib(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        key: int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) for key in ("VmRSS", "VmHWM")
    }


WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_PERCENTILE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, connections: int, seconds: int, cookie: str = "", gzip: bool = True) -> dict:
    headers = []
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    if gzip:  # what browsers send; the pages are compressed on the way out
        headers += ["-H", "Accept-Encoding: gzip"]
    script = ["-s", str(ROOT / "bench" / "wrk_visitors.lua")]
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *script, *headers, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = {
        int(p): float(value) * UNIT_MS[unit] for p, value, unit in WRK_PERCENTILE.findall(output)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(WRK_LINE.search(output).group(1)),
        "p50_ms": percentiles[50],
        "p99_ms": percentiles[99],
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def measure_pages(port: int, reviewer_cookie: str, args) -> list[dict]:
    """`args.rounds` cycles through the minimal view and every page, `args.seconds` each, so
    that a change in the machine's other load hits the pages and the minimal view alike; each
    page's ratio is taken against the minimal view of its own cycle, and the medians over the
    cycles are reported (and the worst p99)."""
    base = f"http://127.0.0.1:{port}"
    plan = [("minimal view", MINIMAL, False, None, None), *TARGETS]
    for _label, path, reviewer, *_ in plan:  # warm-up: caches filled, connections open
        wrk(base + path, connections=args.connections, seconds=2,
            cookie=reviewer_cookie if reviewer else "")  # fmt: skip
    runs: dict[str, list[dict]] = {path: [] for _, path, *_ in plan}
    for cycle in range(args.rounds):
        for _label, path, reviewer, *_ in plan:
            figures = wrk(base + path, connections=args.connections, seconds=args.seconds,
                          cookie=reviewer_cookie if reviewer else "")  # fmt: skip
            runs[path].append(figures)
        minimal = runs[MINIMAL][cycle]["rps"]
        for _label, path, *_ in plan:
            runs[path][cycle]["ratio"] = runs[path][cycle]["rps"] / minimal
        print(f"cycle {cycle + 1}: " + ", ".join(
            f"{path} {runs[path][cycle]['rps']:.0f}/s" for _, path, *_ in plan))  # fmt: skip
    rows = []
    for label, path, _reviewer, ratio_target, p99_target in plan:
        measured = runs[path]
        rows.append({
            "label": label, "path": path, "ratio_target": ratio_target, "p99_target": p99_target,
            "rps": statistics.median(r["rps"] for r in measured),
            "p50_ms": statistics.median(r["p50_ms"] for r in measured),
            "p99_ms": statistics.median(r["p99_ms"] for r in measured),
            "worst_p99_ms": max(r["p99_ms"] for r in measured),
            "ratio": statistics.median(r["ratio"] for r in measured),
            "non_2xx": sum(r["non_2xx"] for r in measured),
            "runs": measured,
        })  # fmt: skip
    return rows


def pdf_of(size: int) -> bytes:
    """A one-page PDF of about `size` bytes, built like the tests' (a correct cross-reference
    table: uploads are parsed with pypdf), its bulk in the page's content stream."""
    sys.path.insert(0, str(ROOT))
    from tests.submissions.sample_files import make_pdf

    filler = max(0, size - 700)
    return make_pdf(padding=(b"% 0123456789 abcdefghij\n" * (filler // 24 + 1))[:filler])


def upload_storm(port: int, accounts: list[tuple[str, int]], size: int) -> dict:
    """Every account posts one PDF of `size` bytes to the document upload form at once."""
    document = pdf_of(size)
    barrier = threading.Barrier(len(accounts))
    outcomes: list[tuple[int, float]] = []
    lock = threading.Lock()

    def upload(cookie: str, evidence_id: int) -> None:
        token = secrets.token_hex(16)  # an unmasked CSRF secret, in the cookie and the form
        boundary = secrets.token_hex(16)
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
            f'\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file";'
            f' filename="decree-{evidence_id}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + len(document) + len(tail)),
            "Cookie": f"{cookie}; csrftoken={token}",
        }
        status = 0
        barrier.wait()
        started = time.perf_counter()
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=300)
            connection.request("POST", f"/evidence/{evidence_id}/documents/",
                               body=iter([head, document, tail]), headers=headers)  # fmt: skip
            response = connection.getresponse()
            response.read()
            status = response.status
            connection.close()
        except OSError:
            status = -1
        with lock:
            outcomes.append((status, time.perf_counter() - started))

    threads = [threading.Thread(target=upload, args=account) for account in accounts]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(seconds for _, seconds in outcomes)
    return {
        "uploads": len(outcomes),
        "succeeded": sum(1 for status, _ in outcomes if status == 302),
        "statuses": sorted({status for status, _ in outcomes}),
        "wall_s": elapsed,
        "p50_s": latencies[len(latencies) // 2],
        "max_s": latencies[-1],
    }


def report(rows: list[dict], uploads: dict, memory: dict, args, load: tuple) -> None:
    print("\n| page | req/s | p50 | p99 (worst) | × minimal view | target | met |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        target, met = "", ""
        if row["ratio_target"] is not None:
            target = f"≥ {row['ratio_target']:g}"
            ok = row["ratio"] >= row["ratio_target"] and not row["non_2xx"]
            if row["p99_target"]:
                target += f", p99 < {row['p99_target']} ms"
                ok = ok and row["p99_ms"] < row["p99_target"]
            met = "yes" if ok else "**no**"
        print(f"| {row['label']} (`{row['path']}`) | {row['rps']:.0f} | {row['p50_ms']:.1f} ms | "
              f"{row['p99_ms']:.1f} ms ({row['worst_p99_ms']:.0f}) | {row['ratio']:.2f} | "
              f"{target} | {met} |")  # fmt: skip
    if not uploads:
        print(f"Load average before / after: {load[0]} / {load[1]}")
        return
    print(f"\nUploads: {uploads['succeeded']}/{uploads['uploads']} succeeded "
          f"(statuses {uploads['statuses']}; {uploads['stored']} stored), {args.upload_mb} MB "
          f"each, all at once; "
          f"all done in {uploads['wall_s']:.1f} s, p50 {uploads['p50_s']:.1f} s, "
          f"slowest {uploads['max_s']:.1f} s.")  # fmt: skip
    print("gunicorn peak RSS (VmHWM) per process, MiB: " + ", ".join(
        f"{name} {value / 1024:.0f}" for name, value in memory.items()))  # fmt: skip
    print(f"Load average before / after: {load[0]} / {load[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=5, help="per page and cycle")
    parser.add_argument("--rounds", type=int, default=5, help="cycles through the pages")
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--upload-mb", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the database (to --reuse it)")
    parser.add_argument("--reuse", action="store_true", help="use the database left by --keep")
    parser.add_argument("--serve", action="store_true", help="start gunicorn, wait for Ctrl-C")
    args = parser.parse_args()

    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="readiness-load-"))
    gunicorn = None
    try:
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        env = prepare(workdir, build=not args.reuse)
        from readiness.models import User

        reviewer_cookie = logged_in_cookie(User.objects.get(username="reviewer"),
                                           second_factor=True)  # fmt: skip
        accounts = uploaders(args.uploads, start=User.objects.filter(
            username__startswith="load.focal").count())  # fmt: skip
        from django.db import connections

        connections.close_all()

        port = free_port()
        gunicorn = start_gunicorn(environment(workdir, redis=True) | {
            "SECRET_KEY": env["SECRET_KEY"]}, port, args.workers)  # fmt: skip
        print(f"gunicorn: {args.workers} workers on port {port}; wrk: 2 threads, "
              f"{args.connections} connections; {args.rounds} cycles of {args.seconds} s "
              "per page")  # fmt: skip
        if args.serve:
            print(f"reviewer cookie: {reviewer_cookie}")
            try:
                gunicorn.wait()
            except KeyboardInterrupt:
                return
        rows = measure_pages(port, reviewer_cookie, args)
        uploads, memory = {}, {}
        if accounts:
            from django.db.models import Count

            from submissions.models import Document

            drafts = [evidence_id for _, evidence_id in accounts]
            memory_before = [memory_kib(pid)["VmHWM"] for pid in worker_pids(gunicorn.pid)]
            uploads = upload_storm(port, accounts, args.upload_mb * 1024 * 1024)
            per_draft = Document.objects.filter(evidence_id__in=drafts).values("evidence_id")
            uploads["stored"] = per_draft.annotate(n=Count("pk")).filter(n=1).count()
            connections.close_all()
            memory = {"master": memory_kib(gunicorn.pid)["VmHWM"]}
            for index, pid in enumerate(worker_pids(gunicorn.pid)):
                memory[f"worker {index + 1}"] = memory_kib(pid)["VmHWM"]
            print(
                f"documents stored: {uploads['stored']} of {len(accounts)}; workers' peak RSS "
                "before the uploads (MiB): " + ", ".join(f"{v / 1024:.0f}" for v in memory_before)
            )
        report(rows, uploads, memory, args, (load_before, os.getloadavg()))
        if args.json:
            Path(args.json).write_text(json.dumps(
                {"pages": rows, "uploads": uploads, "peak_rss_kib": memory,
                 "workers": args.workers, "connections": args.connections}, indent=2))  # fmt: skip
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not have started
            pass
        if not args.keep:
            admin_sql(f"DROP DATABASE IF EXISTS {LOAD_DB} WITH (FORCE)")
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], stdout=subprocess.DEVNULL)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
