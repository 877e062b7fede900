"""Garbage-collector pauses while live views grow, under the worker's collector policy.

The history of a demo city is fed to fresh views the way the relay feeds them (decoded
in batches of 1,000 events), with the collector enabled, once per policy: CPython's
defaults, the thresholds the worker had before, and the worker's policy now
(infra/gc_policy.py: smaller thresholds, the survivors of each middle or full collection
frozen). Every collection's pause is timed with `gc.callbacks`. At the end one more full
collection shows what a pause costs with the views full; under the worker's policy the
daily thaw (everything unfrozen and collected whole) is timed too, and the frozen objects
it finds dead in cycles (the policy's price) are counted. Then the route step's pauses,
with and without collecting after batches (benchmarks/gc_route_pauses.py).
"""
from __future__ import annotations

import gc
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from benchmarks import gc_route_pauses
from benchmarks.city_history import write_history
from dispatch.published import is_incident_event, published_from_stored
from dispatch.service_layer.dispatcher import Dispatcher
from infra.gc_policy import THRESHOLDS, FreezeSurvivors, frozen_garbage
from infra.store import sqlite_service
from infra.store_reader import Row, rows_for
from infra.territory_source import territory_view
from policies.loader import load_policy
from projections.views import Views

FEED_BATCH = 1000
POLICIES = {  # name: (thresholds, freeze survivors)
    "CPython's defaults (700, 10, 10)": ((700, 10, 10), False),
    "(50,000, 20, 100), nothing frozen (the worker's before)": ((50_000, 20, 100), False),
    "the worker's: ({:,}, {}, {}), survivors frozen".format(*THRESHOLDS): (THRESHOLDS, True),
}


class PauseClock:
    def __init__(self) -> None:
        self.started = 0.0
        self.pauses: dict[int, list[float]] = defaultdict(list)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self.started)


def feed(rows: list[Row], thresholds: tuple[int, int, int], freeze: bool) -> dict:
    gc.collect()
    gc.freeze()                       # what start-up built, as in the worker
    saved = gc.get_threshold()
    gc.set_threshold(*thresholds)
    clock, hook = PauseClock(), FreezeSurvivors()
    if freeze:
        hook.install()
    gc.callbacks.append(clock)        # last: the freeze, if any, counts in the pause
    views = Views()
    started = time.perf_counter()
    try:
        for start in range(0, len(rows), FEED_BATCH):
            views.apply([published_from_stored(originator, version, topic, state)
                         for _, originator, version, topic, state in rows[start:start + FEED_BATCH]
                         if is_incident_event(topic)])
        seconds = time.perf_counter() - started
        gc.callbacks.remove(clock)
        hook.remove()
        pause_start = time.perf_counter()
        gc.collect()
        full_now = time.perf_counter() - pause_start
        thaw_start = time.perf_counter()
        leaked = frozen_garbage() if freeze else 0
        thaw = time.perf_counter() - thaw_start if freeze else None
    finally:
        gc.callbacks[:] = [h for h in gc.callbacks if h is not clock and h is not hook]
        gc.set_threshold(*saved)
        gc.unfreeze()
    return {"seconds": seconds, "pauses": clock.pauses, "full_now": full_now, "thaw": thaw,
            "leaked": leaked, "incidents": len(views.facts.facts)}


def run(incidents: int = 60_000, reports: int | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="grid-dispatch-gc-") as tmp:
        service = sqlite_service(Path(tmp) / "store.sqlite")
        dispatcher = Dispatcher(territory_view(), load_policy())
        with tqdm(desc="writing history", unit="event", leave=False) as bar:
            write_history(service, dispatcher, incidents, progress=bar.update)
        read, rows, position = rows_for(service), [], 0
        while batch := read(position, 5000):
            rows.extend(batch)
            position = batch[-1][0]
    results = {name: feed(rows, *policy) for name, policy in POLICIES.items()}
    print(f"\ngarbage-collector pauses while views grow to {incidents:,} incidents "
          f"({len(rows):,} events fed in batches of {FEED_BATCH:,})\n")
    print("| collector policy | feed s | GC share | young pauses (max ms) | middle (max ms) "
          "| full (max ms) | a full collection at the end | the daily thaw | frozen cycles found |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, result in results.items():
        pauses = result["pauses"]
        spent = sum(sum(p) for p in pauses.values())
        cells = [f"{len(pauses[g]):,} ({max(pauses[g], default=0) * 1000:.0f})" for g in (0, 1, 2)]
        thaw = "" if result["thaw"] is None else f"{result['thaw'] * 1000:.0f} ms"
        print(f"| {name} | {result['seconds']:.2f} | {spent / result['seconds']:.1%} | "
              f"{' | '.join(cells)} | {result['full_now'] * 1000:.0f} ms | {thaw} | "
              f"{result['leaked']:,} |")
    reports = reports or incidents
    print(f"\nthe route step's pauses, {reports:,} reports in batches of "
          f"{gc_route_pauses.BATCH} over {gc_route_pauses.PARTITIONS} partitions, the worker's "
          "thresholds and freezing\n")
    print("| policy | route s | GC share | young pauses (max ms) | middle (max ms) "
          "| full (max ms) | freezes | frozen cycles found |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, result in gc_route_pauses.run(reports):
        pauses = {int(g): p for g, p in result["pauses"].items()}
        spent = sum(sum(p) for p in pauses.values())
        cells = [f"{len(pauses.get(g, [])):,} ({max(pauses.get(g, []), default=0) * 1000:.0f})"
                 for g in (0, 1, 2)]
        print(f"| {name} | {result['seconds']:.2f} | {spent / result['seconds']:.1%} | "
              f"{' | '.join(cells)} | {result['freezes']:,} | {result['leaked']:,} |")
