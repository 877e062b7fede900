"""Dispatch latency at a fixed rate, beside raw aiokafka on the same broker in the same run.

Reports go out in 10 ms slices and a consumer in this process reads the results, one clock
at both ends (benchmarks/paced_round_trip.py). raw: a fresh 6-partition topic, read
straight back. engine: `incidents.reported` in, the incident's first route result
(Dispatched / QueuedForManualDispatch / MergedAsDuplicate) on `incidents.events` out.
`--profile` runs the worker under cProfile (GRID_DISPATCH_PROFILE): where its time goes.
`--warmup S` (default 30) first sends raw traffic at the same rate for S seconds: a broker
just started spends its first minute compiling (measured: 50-90% of a core, against 15-30%
once warm), which on two cores is taken from the worker.
"""
from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import orjson

from benchmarks.cpu_accounting import CpuTimeline, per_incident_table, sample, spent
from benchmarks.paced_round_trip import OWN_STALL_S, measure, quantile
from benchmarks.worker_profile import show_profile
from benchmarks.worker_settings import tuning, worker_settings
from infra.broker import LocalBroker
from infra.settings import PROJECT_ROOT
from infra.simulated_city import simulated_reports
from infra.topics import delete_run_topics_sync, delete_topics, ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from infra.worker_pool import restarts_in
from infra.worker_process import WorkerProcess

GOAL_RATE, GOAL_P99_MS = 2_000, 100.0
ROUTE_RESULTS = {"Dispatched", "QueuedForManualDispatch", "MergedAsDuplicate"}


def routing_results(recorded: dict[str, float]):
    """Reads `incidents.events`: the report behind each incident's first routing result,
    and when the worker recorded that result (its `recorded_at`)."""
    report_of: dict[str, str] = {}

    def result_of(record) -> str | None:
        event = orjson.loads(record.value)
        if event["type"] == "Reported":
            report_of[event["incident_id"]] = event["report_id"]
        elif event["type"] in ROUTE_RESULTS:
            report_id = report_of.pop(event["incident_id"], None)
            if report_id:
                recorded[report_id] = datetime.fromisoformat(event["recorded_at"]).timestamp()
            return report_id
        return None
    return result_of


def run(rate: float, seconds: float, profile: bool = False, processes: int = 1,
        split: bool = False, warmup: float = 30.0) -> None:
    count, tag = int(rate * seconds), uuid.uuid4().hex[:8]
    reports = list(simulated_reports(count, run_id=f"lat-{tag}"))
    timeout = 120 + 15 * seconds  # a backlog drains at the engine's pace (slower profiled)
    profile_path = Path(tempfile.gettempdir()) / f"grid-dispatch-latency-{tag}.pstats"
    with tempfile.TemporaryDirectory(prefix="grid-dispatch-bench-") as tmp:
        broker, bootstrap = None, os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = LocalBroker(Path(tmp) / "broker", PROJECT_ROOT / ".cache", with_starter=True)
            bootstrap = broker.start()
        try:
            if warmup > 0:
                warm = list(simulated_reports(int(rate * warmup), run_id=f"warm-{tag}"))
                asyncio.run(measure(bootstrap, f"bench-warm-{tag}", f"bench-warm-{tag}", warm,
                                    rate, lambda record: record.key.decode(), timeout))
            before = sample()
            raw = asyncio.run(measure(bootstrap, f"bench-raw-{tag}", f"bench-raw-{tag}", reports,
                                      rate, lambda record: record.key.decode(), timeout))
            cpu = {"raw aiokafka": spent(before, sample())}
            asyncio.run(delete_topics(bootstrap, [f"bench-raw-{tag}"] +
                                      ([f"bench-warm-{tag}"] if warmup > 0 else [])))
            settings = worker_settings(Path(tmp) / "engine", bootstrap, tag)
            ensure_topics_sync(bootstrap, settings.topics)
            if profile:  # WorkerProcess.start passes the environment on to the worker
                os.environ["GRID_DISPATCH_PROFILE"] = str(profile_path)
            worker = WorkerProcess.start(settings, bootstrap, processes=processes, split=split)
            if profile:
                del os.environ["GRID_DISPATCH_PROFILE"]
            try:
                worker.wait_until_routing(bootstrap)
                recorded: dict[str, float] = {}
                group = worker.process.pid   # started in a session of its own: its group's id
                supervisor = group if processes > 1 else None
                with CpuTimeline(group, supervisor) as timeline:
                    engine = asyncio.run(measure(bootstrap, settings.topics.reported,
                                                 settings.topics.events, reports, rate,
                                                 routing_results(recorded), timeout))
                cpu["engine"] = timeline.whole()
                views, deadline = OpenIncidentsStore(settings.views), time.monotonic() + timeout
                while ((in_view := views.decided_count() - 1) < count  # less the warm-up
                       and time.monotonic() < deadline):
                    time.sleep(0.02)
                seen_all = time.time() - min(engine.sent.values())
            finally:
                worker.stop()
                delete_run_topics_sync(bootstrap, settings.topics, settings.app_id)
            worker_log = worker.log()
            stalls, restarts = stall_reports(worker_log), restarts_in(worker_log)
            checkpoints = [line for line in worker_log.splitlines()
                           if " checkpoint of " in line and " took " in line]
            if in_view < count or (profile and not profile_path.exists()):
                print(f"\nview short or no profile; the worker log ends:\n{worker_log[-3000:]}")
            if profile and profile_path.exists():
                show_profile(profile_path)
        finally:
            if broker:
                broker.stop()
    print(f"\ndispatch latency at a fixed rate for {seconds:g} s, one broker, 2-core machine"
          f"{' (worker under cProfile)' if profile else ''}"
          f"{f', after {warmup:g} s of raw traffic to warm the broker' if warmup > 0 else ''}"
          f"; worker settings: {tuning()}\n")
    print("| path | rate | messages | p50 ms | p99 ms | max ms | achieved rate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(raw.row("raw aiokafka produce + consume", rate))
    print(engine.row(f"engine ({processes} worker process{'es' if processes > 1 else ''}"
                     f"{', split' if split else ''}): "
                     "report -> routing result on incidents.events", rate))
    print(f"\nengine: {in_view:,} of {count:,} visible in the open-incidents view {seen_all:.2f} s "
          f"after the first publish ({in_view / seen_all:,.0f}/s)")
    first_sent = min(engine.sent.values())
    halves = [(recorded[key] - at, engine.arrived[key] - recorded[key], at - first_sent)
              for key, at in engine.sent.items() if key in recorded]
    for index, part in enumerate(["sent -> result recorded (fetch, batch, prepare, route)",
                                  "recorded -> read back (commit, relay, produce, fetch)"]):
        times = [pair[index] for pair in halves]
        first = [pair[index] for pair in halves if pair[2] < 2.0]
        print(f"engine halves, {part}: p50 {1000 * quantile(times, 0.5):.1f} ms, "
              f"p99 {1000 * quantile(times, 0.99):.1f} ms (first 2 s of sending: p99 "
              f"{1000 * quantile(first, 0.99):.1f} ms)")
    if seconds >= 20:   # does it hold up, or drift as the store and the views grow?
        print("engine p50 / p99 ms by 10 s of sending: " + ", ".join(
            f"{1000 * quantile(times, 0.5):.0f} / {1000 * quantile(times, 0.99):.0f}"
            for _, times in sorted(engine.by_span(10.0).items())))
        print("engine CPU a report by 10 s of sending, µs, " + cpu_by_span(
            timeline.spans(first_sent, 10.0, int(seconds // 10)), rate * 10.0))
    for name, run_ in (("raw", raw), ("engine", engine)):
        print(f"{name}: slowest seconds of sending (p99): {run_.slowest_seconds()}")
    print(f"this process's event loop held over {1000 * OWN_STALL_S:.0f} ms while measuring "
          f"the engine: {len(engine.own_stalls)} time(s)" + "".join(
              f", at {at - first_sent:.1f} s" for at in engine.own_stalls[:10]))
    print("workers that exited and were started again: " + ("; ".join(restarts) or "none"))
    print(f"worker event-loop stalls (GRID_DISPATCH_STALL_MS): {len(stalls)}")
    for report in stalls[:4]:
        print(report)
    print(f"store checkpoints of 50 ms or more: {checkpoint_summary(checkpoints)}")
    for line in checkpoints[:8]:
        print(line)
    # The same code's p99 varies by half from run to run on this machine: the CPU each
    # process spent a report tells the engine's own cost from a busy machine's.
    print(per_incident_table(
        "\nCPU a report over each measured run (from its consumer's start to its last result; "
        "from /proc), µs, by process; machine busy: the share of both cores used by all:",
        {path: (used, count) for path, used in cpu.items()}))
    p99 = 1000 * quantile(engine.latencies(), 0.99)
    verdict = ("not tested (rate below 2,000/s)" if rate < GOAL_RATE else
               "met" if p99 < GOAL_P99_MS and len(engine.latencies()) == count else "NOT met")
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms at {GOAL_RATE:,}/s: {verdict} (p99 {p99:.1f} ms)")


def cpu_by_span(spans, reports: float) -> str:
    """Each worker process's CPU a report in each span, and how busy the machine was."""
    labels = sorted({label for used in spans for label in used.groups   # (not a pool's
                     if label.startswith("worker")                       # idle supervisor)
                     and sum(s.groups.get(label, 0.0) for s in spans) >= 0.05})
    names = [label.removeprefix("worker, role ").removeprefix("worker, ") for label in labels]
    return f"{' / '.join(names)} / machine busy: " + ", ".join(
        " / ".join(f"{used.groups.get(label, 0.0) / reports * 1e6:.0f}" for label in labels)
        + f" / {used.machine_busy / used.machine_total:.0%}" for used in spans
        if used.machine_total)


def checkpoint_summary(lines: list[str]) -> str:
    """How many of each mode, and the longest: a RESTART holds writers back while it copies
    and syncs, a PASSIVE one holds no one back (infra/store_checkpoints.py)."""
    took: dict[str, list[int]] = {}
    for line in lines:
        words = line.split()
        mode = words[words.index("checkpoint") - 1]
        took.setdefault(mode, []).append(int(words[words.index("took") + 1]))
    return f"{len(lines)}" + "".join(
        f"; {mode} {len(times)}, the longest {max(times)} ms"
        for mode, times in sorted(took.items(), key=lambda item: item[0] != "RESTART"))


def stall_reports(log: str, stack_lines: int = 24) -> list[str]:
    """The worker's stall-watchdog reports in its log: each held loop's stack (its innermost
    `stack_lines`, where the holding is), and how long it was held once it came round."""
    reports, lines = [], log.splitlines()
    for index, line in enumerate(lines):
        if "event loop held" in line:
            stack = []
            for following in lines[index + 1:]:
                if following.startswith("["):   # the next log record
                    break
                stack.append(following)
            reports.append("\n".join([line, *stack[-stack_lines:]]))
        elif "event loop came round" in line and reports:
            reports[-1] += "\n" + line
    return reports
