"""Benchmark of the pure scoring engine: a whole round (195 Parties × methodology v1) scored,
aggregated world + 5 regions, and sub-pillar statistics computed.

Run: make bench   (or .venv/bin/python bench/grading.py --repeat 50)
Prints median and p95 wall time per full pass and peak memory of one pass.
"""

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from readiness import grading  # noqa: E402

PARTIES = 195
REGIONS = ("africa", "americas", "asia", "europe", "oceania")


def synthetic_round(methodology: grading.Methodology, seed: int = 2025):
    rng = random.Random(seed)
    levels = {
        f"P{index:03d}": {
            sub.code: rng.randint(0, sub.max_score)
            for pillar in methodology.pillars
            for sub in pillar.sub_pillars
        }
        for index in range(PARTIES)
    }
    regions = {party: REGIONS[index % len(REGIONS)] for index, party in enumerate(levels)}
    facts = {party: {"INF-1": {"standard_basis": rng.choice(["existing", "own", "both"])}}
             for party in levels}  # fmt: skip
    return levels, regions, facts


def one_pass(methodology, levels, regions, facts):
    scores = grading.score_parties(methodology, levels)
    grading.aggregate(methodology, scores.values())
    for region in REGIONS:
        members = [scores[party] for party, r in regions.items() if r == region]
        grading.aggregate(methodology, members)
    grading.sub_pillar_statistics(methodology, levels, facts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    methodology = grading.methodology_v1()
    data = synthetic_round(methodology)
    one_pass(methodology, *data)  # warm-up
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        one_pass(methodology, *data)
        timings.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    one_pass(methodology, *data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(
        f"engine, full round ({PARTIES} Parties x 13 sub-pillars, 6 aggregates, statistics): "
        f"median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms over {args.repeat} runs; "
        f"peak memory {peak / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
