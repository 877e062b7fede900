"""Where a benchmark's CPU went, process by process, read from Linux's /proc.

A throughput goal on a shared 2-core machine is a CPU budget: at 10,000 incidents/s the
two cores give 200 µs of CPU an incident to everything on the machine (broker, publisher,
every worker process). Sampling each side of a timed run tells how that budget was spent:
the worker's processes by role, this process (the publisher, and the raw consumer), and
the rest of the machine (the broker, mostly).
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class CpuSample:
    machine_busy: float            # seconds of CPU, all cores
    machine_total: float           # seconds of CPU time that passed, busy or idle, all cores
    groups: dict[str, float] = field(default_factory=dict)   # label -> seconds of CPU


def sample(worker_group: int | None = None, supervisor: int | None = None) -> CpuSample:
    """The machine's CPU so far, this process's, and (given the worker's process group)
    each worker process's, labelled by its role."""
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = fields[:7]
    groups: Counter = Counter({"benchmark process (publisher, raw consumer)":
                               _own_seconds(os.getpid())})
    if worker_group is not None:
        for pid, seconds in _group_seconds(worker_group).items():
            groups[_label(pid, supervisor)] += seconds
    postgres = _named_seconds("postgres")   # a PostgreSQL store's server and its sessions
    if postgres:
        groups["PostgreSQL server"] = postgres
    busy = user + nice + system + irq + softirq
    return CpuSample(busy / TICKS, (busy + idle + iowait) / TICKS, dict(groups))


def spent(before: CpuSample, after: CpuSample) -> CpuSample:
    """What happened between two samples; what no named group used is the rest of the
    machine (the broker, and anything else running)."""
    groups = {label: after.groups.get(label, 0.0) - before.groups.get(label, 0.0)
              for label in after.groups}
    busy = after.machine_busy - before.machine_busy
    groups["rest of the machine (broker, ...)"] = max(busy - sum(groups.values()), 0.0)
    return CpuSample(busy, after.machine_total - before.machine_total, groups)


class CpuTimeline:
    """A sample a second in a thread of its own, while a run is measured, so that its CPU
    can be told by span afterwards (does a report cost more as the run goes on?)."""

    def __init__(self, worker_group: int | None = None, supervisor: int | None = None):
        self.samples: list[tuple[float, CpuSample]] = []
        self._args, self._stopping = (worker_group, supervisor), threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-timeline", daemon=True)

    def __enter__(self) -> "CpuTimeline":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        while True:   # a last sample once stopped, so the run's end has one near it
            self.samples.append((time.time(), sample(*self._args)))
            if self._stopping.is_set():
                return
            self._stopping.wait(1.0)

    def whole(self) -> CpuSample:
        """What was spent from its first sample (as it started) to its last (as it stopped)."""
        return spent(self.samples[0][1], self.samples[-1][1])

    def spans(self, start: float, width: float, count: int) -> list[CpuSample]:
        """What was spent in each of `count` spans of `width` seconds from `start` (wall
        clock), between the samples nearest their edges."""
        def at(moment: float) -> CpuSample:
            return min(self.samples, key=lambda taken: abs(taken[0] - moment))[1]
        return [spent(at(start + n * width), at(start + (n + 1) * width)) for n in range(count)]


def per_incident_table(title: str, runs: dict[str, tuple[CpuSample, int]]) -> str:
    """Markdown: µs of CPU an incident per process group, for each run (path -> (spent, n))."""
    labels = sorted({label for used, _ in runs.values() for label in used.groups},
                    key=_label_order)
    lines = [title, "", "| path | machine busy | " + " | ".join(labels) + " | total |",
             "|---|---:|" + "---:|" * (len(labels) + 1)]
    for path, (used, count) in runs.items():
        cells = [f"{used.groups[label] / count * 1e6:,.0f}" if label in used.groups else ""
                 for label in labels]
        busy = used.machine_busy / used.machine_total if used.machine_total else 0.0
        lines.append(f"| {path} | {busy:.0%} | " + " | ".join(cells) +
                     f" | {used.machine_busy / count * 1e6:,.0f} |")
    return "\n".join(lines)


def _label_order(label: str) -> tuple[int, str]:
    order = ("worker", "PostgreSQL", "benchmark", "rest")
    return next((n for n, prefix in enumerate(order) if label.startswith(prefix)), 9), label


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:   # gone meanwhile
        return None
    return text[text.rindex(")") + 2:].split()   # the name may hold spaces and parentheses


def _own_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    # utime and stime, fields 14 and 15 of stat(5): 11 and 12 after the name and state
    return (int(fields[11]) + int(fields[12])) / TICKS if fields else 0.0


def _group_seconds(group: int) -> dict[int, float]:
    seconds = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[2]) == group:   # pgrp, field 5 of stat(5)
                seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def _named_seconds(name: str) -> float:
    """The CPU of every process running the program `name` (as /proc/<pid>/comm has it)."""
    total = 0.0
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != name:
                    continue
            except OSError:
                continue
            total += _own_seconds(int(entry.name))
    return total


def _label(pid: int, supervisor: int | None) -> str:
    if pid == supervisor:
        return "worker (the process started)"
    try:
        environ = (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        environ = []
    role = next((item.split(b"=", 1)[1].decode() for item in environ
                 if item.startswith(b"GRID_DISPATCH_WORKER_ROLE=")), "all")
    return f"worker, role {role}"
