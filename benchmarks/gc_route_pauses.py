"""Garbage-collector pauses in the route step, under the worker's thresholds and freezing:
with them alone, collecting young and middle generations after each batch, and at most ten
times a second (`BatchSurvivorCollections`, the worker's; infra/gc_policy.py).

Simulated reports (publish time now, so repeats find their originals) go through the route
step on a SQLite store in batches of 90 over six partitions, as at 2,000 reports/s; every
collection is timed with `gc.callbacks`. Each policy runs in a fresh process: the first
run's frozen objects must not lighten the second's collections.
"""
from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import orjson

BATCH, PARTITIONS = 90, 6


POLICIES = {"thresholds only": "none", "collected after each batch": "each",
            "at most ten a second (the worker's)": "limited"}


def measure(count: int, collecting: str) -> dict:
    from benchmarks.gc_pauses import PauseClock
    from dispatch.service_layer.inbound import InboundMessage
    from dispatch.service_layer.route_reports import RouteReports
    from infra.bootstrap import build_dispatcher
    from infra.gc_policy import (BatchSurvivorCollections, collect_batch_survivors,
                                 frozen_garbage, spare_the_garbage_collector)
    from infra.settings import Settings
    from infra.simulated_city import SHANGHAI, simulated_reports
    from infra.store import sqlite_service
    from policies.duplicates import DuplicateRules
    from projections.duplicate_candidates import DuplicateCandidates

    with tempfile.TemporaryDirectory(prefix="grid-dispatch-gc-route-") as tmp:
        service = sqlite_service(Path(tmp) / "store.sqlite")
        route = RouteReports(service, build_dispatcher(Settings(home=Path(tmp))),
                             duplicates=DuplicateCandidates(DuplicateRules.load(None)))
        now = datetime.now(SHANGHAI).isoformat()
        messages = [InboundMessage("incidents.reported", n % PARTITIONS, n // PARTITIONS, None,
                                   orjson.dumps(dict(report, reported_at=now)))
                    for n, report in enumerate(simulated_reports(count, run_id="gc-route"))]
        spare_the_garbage_collector()
        after_batch = {"none": lambda: None, "each": collect_batch_survivors,
                       "limited": BatchSurvivorCollections().after_batch}[collecting]
        clock = PauseClock()
        gc.callbacks.append(clock)
        started = time.perf_counter()
        for first in range(0, count, BATCH):
            route.record(route.prepare(messages[first:first + BATCH]))
            after_batch()
        seconds = time.perf_counter() - started
        gc.callbacks.remove(clock)
        hook = next(h for h in gc.callbacks if hasattr(h, "freezes"))
        freezes, leaked = hook.freezes, frozen_garbage()   # what the daily thaw would find
    return {"seconds": seconds, "pauses": {g: p for g, p in clock.pauses.items()},
            "freezes": freezes, "leaked": leaked}


def run(count: int) -> list[tuple[str, dict]]:
    """(policy, result) for each policy, each measured in a process of its own."""
    results = []
    for name, collecting in POLICIES.items():
        out = subprocess.run([sys.executable, "-m", "benchmarks.gc_route_pauses", str(count),
                              collecting], capture_output=True, text=True, check=True)
        results.append((name, json.loads(out.stdout.strip().splitlines()[-1])))
    return results


if __name__ == "__main__":
    result = measure(int(sys.argv[1]), sys.argv[2])
    print(json.dumps({**result, "pauses": {str(g): p for g, p in result["pauses"].items()}}))
