"""Where the worker's time went: a pstats file summed by area and by step of the engine."""
from __future__ import annotations

import pstats
from collections import defaultdict
from pathlib import Path

from infra.settings import PROJECT_ROOT

IDLE = ("poll' of 'select.epoll", "acquire' of '_thread.lock", "get' of '_queue.SimpleQueue",
        "time.sleep")
AREAS = [("aiokafka", "aiokafka/"), ("faust/mode", "/faust/"), ("faust/mode", "/mode/"),
         ("eventsourcing", "eventsourcing/"), ("sqlite", "sqlite3"), ("orjson", "orjson"),
         ("asyncio", "asyncio/"), ("sockets", "socket"), ("dispatch/", "/dispatch/"),
         ("policies/", "/policies/"), ("projections/", "/projections/"), ("infra/", "/infra/")]
STEPS = {("route_reports.py", "prepare"): "route: prepare (decode, skip seen)",
         ("route_reports.py", "record"): "route: record (locate, route, store)",
         ("infra/relay.py", "_read"): "relay: read the store",
         ("projections/views.py", "apply"): "project: apply to the views",
         ("infra/view_store.py", "save"): "project: save the view (SQLite)",
         ("sla_watcher.py", "plan"): "SLA watcher: plan (in the event loop)",
         ("sla_watcher.py", "record"): "SLA watcher: record",
         ("infra/bootstrap.py", "build_engine"): "start-up",
         ("infra/worker.py", "create_worker_app"): "start-up"}


def area(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    if any(mark in where for mark in IDLE):
        return "idle"
    return next((label for label, mark in AREAS if mark in where), "other (stdlib, builtins)")


def show_profile(path: Path, top: int = 20) -> None:
    stats = pstats.Stats(str(path)).stats  # (file, line, name): (cc, calls, self, cumulative, _)
    busy = sum(v[2] for (f, _, n), v in stats.items() if area(f, n) != "idle")
    print(f"\nworker profile, all threads, start to stop: {busy:.1f} s busy (shares are of that; "
          f"pstats kept at {path})\n\n| self s | share | calls | function |\n|---:|---:|---:|---|")
    for (filename, line, name), (_, calls, own, _, _) in sorted(
            (item for item in stats.items() if area(item[0][0], item[0][2]) != "idle"),
            key=lambda item: -item[1][2])[:top]:
        where = filename.split("site-packages/")[-1].replace(f"{PROJECT_ROOT}/", "")
        print(f"| {own:.2f} | {own / busy:.1%} | {calls:,} | {where}:{line} {name} |")
    for title, column, label_of in [
            ("area (self time)", 2, area),
            ("step (cumulative)", 3, lambda f, n: next((label for (file, fn), label in STEPS.items()
                                                       if f.endswith(file) and n == fn), None))]:
        totals: dict[str, float] = defaultdict(float)
        for (filename, _, name), value in stats.items():
            totals[label_of(filename, name)] += value[column]
        print(f"\n| {title} | s | share of busy |\n|---|---:|---:|")
        for label, secs in sorted(totals.items(), key=lambda item: -item[1]):
            if label not in ("idle", None):
                print(f"| {label} | {secs:.2f} | {secs / busy:.1%} |")
