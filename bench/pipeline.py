"""Benchmarks of the recompute pipeline on PostgreSQL, Redis and a real Celery worker.

Run: make bench-pipeline   (needs PostgreSQL and Redis; defaults to the local ones)

It creates its own database (readiness_bench), fills a round with 195 Parties x 13 sub-pillars
x 5 evidence rows, then measures:
1. a full recompute (reads, engine, writes) beside the raw SQL that selects the same awarded
   levels, in the same run; with and without changed results;
2. approval -> grade visible, through a real worker, beside a no-op Celery round trip;
3. a burst of approvals, first one reviewer after another, then several reviewers at once:
   how many recomputes were queued and actually ran, and whether the final results equal the
   pure engine applied to the final database state.
The database is dropped at the end.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
BENCH_DB = os.environ.get("BENCH_DATABASE", "readiness_bench")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def setup_django() -> None:
    base = ADMIN_URL.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "readiness.settings"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    import django

    django.setup()


def fill_round():
    """195 Parties x 13 sub-pillars x 5 evidence rows: one approved (with its decision), one
    superseded, one rejected, one withdrawn, one submitted (for the approval benchmarks)."""
    from django.core.management import call_command

    from readiness import methodology_v1
    from readiness.models import Party, SubPillar
    from readiness.party_register import grouping_rows, read_party_file
    from readiness.services import (
        methodology_load,
        parties_load,
        round_create,
        round_transition,
        system_user,
        user_create,
    )  # fmt: skip
    from reviews.models import Review
    from submissions.models import Evidence

    call_command("migrate", verbosity=0)
    actor = system_user()
    parties_load(actor=actor, parties=read_party_file(), groupings=grouping_rows())
    parties = list(Party.objects.order_by("code"))
    bench_round = round_create(actor=actor, name="Benchmark", slug="bench", parties=parties)
    methodology_load(
        actor=actor,
        assessment_round=bench_round,
        definition={"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS},
    )
    round_transition(actor=actor, assessment_round=bench_round, target="open")
    author = user_create(actor=actor, username="bench.author", password="x" * 20)
    reviewer = user_create(actor=actor, username="bench.reviewer", is_reviewer=True)
    sub_pillars = list(
        SubPillar.objects.filter(pillar__round=bench_round).prefetch_related("levels")
    )
    rows = []
    for index, party in enumerate(parties):
        for sub in sub_pillars:
            top = max(level.score for level in sub.levels.all())
            level = (index + len(sub.code)) % (top + 1)
            for status in ("approved", "superseded", "rejected", "withdrawn", "submitted"):
                rows.append(Evidence(
                    round=bench_round, party=party, sub_pillar=sub, status=status,
                    claimed_level=level if status != "submitted" else top,
                    awarded_level=level if status in ("approved", "superseded") else None,
                    narrative="benchmark", created_by=author, submitted_by=author,
                ))  # fmt: skip
    Evidence.objects.bulk_create(rows, batch_size=2000)
    Review.objects.bulk_create(
        [Review(evidence=e, reviewer=reviewer, decision="approve", awarded_level=e.awarded_level,
                evidence_version=1) for e in Evidence.objects.filter(status="approved")],
        batch_size=2000,
    )  # fmt: skip
    analyze()
    return bench_round, reviewer


def analyze() -> None:
    """Table statistics, as autovacuum would gather them (it is off on this server): without
    them the planner probes the evidence index row by row and the raw SQL takes twice as long."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


RAW_LEVELS_SQL = """
SELECT e.party_id, s.code, e.awarded_level
FROM submissions_evidence e JOIN readiness_subpillar s ON s.id = e.sub_pillar_id
WHERE e.round_id = %s AND e.status = 'approved'
"""


def bench_recompute(bench_round, repeat: int) -> None:
    from django.db import connection, transaction

    from readiness import recompute as pipeline
    from readiness.models import PartyResult
    from readiness.recompute import recompute
    from submissions.models import Evidence

    recompute(bench_round.pk, force=True)
    raw, unchanged, one_party, changed, cold = [], [], [], [], []
    approved_reg1 = list(
        Evidence.objects.filter(round=bench_round, status="approved", sub_pillar__code="REG-1")
    )
    for iteration in range(repeat):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(RAW_LEVELS_SQL, [bench_round.pk])
            assert len(cursor.fetchall()) == 195 * 13
            raw.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        recompute(bench_round.pk, force=True)
        unchanged.append((time.perf_counter() - started) * 1000)
        # What one approval does: one Party's score moves (and its aggregates).
        single = approved_reg1[iteration % len(approved_reg1)]
        single.awarded_level = (single.awarded_level + 1) % 4
        Evidence.objects.bulk_update([single], ["awarded_level"])
        started = time.perf_counter()
        recompute(bench_round.pk, force=True)
        one_party.append((time.perf_counter() - started) * 1000)
        # Move every Party's REG-1 level so that all 195 results and the aggregates change.
        with transaction.atomic():
            for evidence in approved_reg1:
                evidence.awarded_level = (evidence.awarded_level + 1 + iteration) % 4
            Evidence.objects.bulk_update(approved_reg1, ["awarded_level"])
        started = time.perf_counter()
        recompute(bench_round.pk, force=True)
        changed.append((time.perf_counter() - started) * 1000)
        # One approval again, in a process that remembers nothing of the round's stored results
        # (a new worker, or another worker wrote them last).
        single.awarded_level = (single.awarded_level + 1) % 4
        Evidence.objects.bulk_update([single], ["awarded_level"])
        pipeline._written.clear()
        started = time.perf_counter()
        recompute(bench_round.pk, force=True)
        cold.append((time.perf_counter() - started) * 1000)
    rows = PartyResult.objects.filter(round=bench_round).count()
    raw_median = statistics.median(raw)
    print(f"1. full recompute, {rows} Parties x 13 sub-pillars x 5 evidence rows, {repeat} runs")
    print(f"   raw SQL selecting the awarded levels: median {raw_median:.2f} ms")
    for label, values in (
        ("no result changes", unchanged),
        ("one Party changes (an approval)", one_party),
        ("every result changes", changed),
        ("one Party changes, nothing remembered", cold),
    ):
        median = statistics.median(values)
        print(f"   recompute, {label}: median {median:.1f} ms, p95 {percentile(values, .95):.1f}"
              f" ms = {median / raw_median:.1f}x the raw SQL")  # fmt: skip


def start_worker() -> subprocess.Popen:
    from readiness.celery import app

    app.control.purge()  # tasks left in the queue by an interrupted earlier run
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = Path(tempfile.gettempdir()) / f"{BENCH_DB}-worker.log"
    print(f"   (the worker's log: {log})")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "readiness.celery", "worker", "--pool", "threads",
         "--concurrency", "2", "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    from readiness.tasks import ping

    ping.delay().get(timeout=30)  # the worker is up
    return process


def bench_latency(bench_round, reviewer, approvals: int) -> None:
    from readiness.models import RoundComputation
    from readiness.tasks import ping
    from reviews.services import review_decide
    from submissions.models import Evidence

    round_trips = []
    for _ in range(approvals):
        started = time.perf_counter()
        ping.delay().get(timeout=10)
        round_trips.append((time.perf_counter() - started) * 1000)
    pending = list(Evidence.objects.filter(round=bench_round, status="submitted")[:approvals])
    latencies = []
    for evidence in pending:
        review_decide(actor=reviewer, evidence=evidence, decision="approve",
                      expected_version=evidence.version)  # fmt: skip
        committed = time.perf_counter()
        version = RoundComputation.objects.get(round=bench_round).evidence_version
        while RoundComputation.objects.get(round=bench_round).results_version < version:
            time.sleep(0.002)
        latencies.append((time.perf_counter() - committed) * 1000)
    print(f"2. approval -> grade visible through a real worker, {approvals} approvals")
    print(
        f"   no-op Celery round trip: p50 {statistics.median(round_trips):.1f} ms, "
        f"p95 {percentile(round_trips, 0.95):.1f} ms"
    )
    print(
        f"   approval to results:     p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms"
    )


def bench_burst(bench_round, reviewer, approvals: int, threads: int) -> None:
    import threading

    from django.db import connections

    from readiness import background
    from readiness import recompute as pipeline
    from readiness.models import PartyResult, RoundComputation
    from readiness.recompute import compute, read_inputs
    from reviews.services import review_decide
    from submissions.models import Evidence

    queued = []
    real_enqueue = pipeline.enqueue

    def counting_enqueue(*args):
        queued.append(args)
        return background.enqueue(*args)

    before = RoundComputation.objects.get(round=bench_round).compute_count
    pending = list(Evidence.objects.filter(round=bench_round, status="submitted")[:approvals])
    shares = [pending[index::threads] for index in range(threads)]

    def approve_all(share) -> None:
        try:
            for evidence in share:
                review_decide(actor=reviewer, evidence=evidence, decision="approve",
                              expected_version=evidence.version)  # fmt: skip
        finally:
            connections.close_all()

    pipeline.enqueue = counting_enqueue
    try:
        started = time.perf_counter()
        workers = [threading.Thread(target=approve_all, args=(share,)) for share in shares]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        submitted_in = time.perf_counter() - started
    finally:
        pipeline.enqueue = real_enqueue
    deadline = time.monotonic() + 120
    while not RoundComputation.objects.get(round=bench_round).is_current:
        assert time.monotonic() < deadline, "results did not converge within 2 minutes"
        time.sleep(0.05)
    converged_in = time.perf_counter() - started
    runs = RoundComputation.objects.get(round=bench_round).compute_count - before
    stored = {r.party_id: (r.grade, r.total_rate, r.sub_pillars)
              for r in PartyResult.objects.filter(round=bench_round)}  # fmt: skip
    expected = {p: (v["grade"], v["total_rate"], v["sub_pillars"])
                for p, v in compute(read_inputs(bench_round)).parties.items()}  # fmt: skip
    who = "one reviewer" if threads == 1 else f"{threads} reviewers at once"
    print(
        f"3. burst of {len(pending)} approvals by {who} in {submitted_in:.1f} s: results current "
        f"after {converged_in:.1f} s; {len(queued)} recomputes queued, {runs} ran "
        f"({len(pending) / max(runs, 1):.1f} approvals per recompute); final results equal the "
        f"engine on the database: {stored == expected}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--approvals", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--burst-threads", type=int, default=8, help="reviewers at once")
    parser.add_argument(
        "--recompute-only", action="store_true", help="only section 1 (no worker is started)"
    )
    args = parser.parse_args()
    admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin_sql(f"CREATE DATABASE {BENCH_DB}")
    worker = None
    try:
        setup_django()
        bench_round, reviewer = fill_round()
        bench_recompute(bench_round, args.repeat)
        if args.recompute_only:
            return
        worker = start_worker()
        bench_latency(bench_round, reviewer, args.approvals)
        bench_burst(bench_round, reviewer, args.burst, threads=1)
        bench_burst(bench_round, reviewer, args.burst, threads=args.burst_threads)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
