"""The benchmarks' CPU accounting: a process's CPU lands under its role, and the table
divides by the incidents."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.cpu_accounting import CpuSample, CpuTimeline, per_incident_table, sample, spent

pytestmark = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc")

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


def test_cpu_between_samples_is_split_by_group_and_the_rest_is_the_machine():
    child = subprocess.Popen([sys.executable, "-c", "import sys\n" + BURN + "sys.stdin.read()\n"],
                             stdin=subprocess.PIPE, start_new_session=True,
                             env=dict(os.environ, GRID_DISPATCH_WORKER_ROLE="inbound"))
    try:
        before = sample(child.pid)
        _wait_for_cpu(child.pid, 0.35)
        used = spent(before, sample(child.pid))
    finally:
        child.kill()
        child.wait()
    assert 0.3 <= used.groups["worker, role inbound"] <= 1.0
    assert used.machine_busy >= used.groups["worker, role inbound"] - 0.02   # ticks round
    assert used.groups["rest of the machine (broker, ...)"] >= 0.0


def test_the_table_gives_microseconds_an_incident():
    used = CpuSample(3.0, 4.0, {"worker, role inbound": 1.5, "benchmark process": 0.5,
                                "rest of the machine (broker, ...)": 1.0})
    table = per_incident_table("title", {"engine": (used, 10_000)})
    header, row = table.splitlines()[2], table.splitlines()[4]
    assert header.index("worker, role inbound") < header.index("benchmark process") \
        < header.index("rest of the machine")
    assert row == "| engine | 75% | 150 | 50 | 100 | 300 |"


def _wait_for_cpu(pid: int, seconds: float) -> None:
    import time
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sample(pid).groups.get("worker, role inbound", 0.0) >= seconds:
            return
        time.sleep(0.05)
    raise TimeoutError("the child did not burn its CPU")


def test_a_timeline_is_told_by_span_between_the_samples_nearest_its_edges():
    timeline = CpuTimeline()
    used = {"worker, role inbound": 0.0}
    for second in range(31):   # the worker spends 0.1 s a second, then 0.3 from 20 s on
        timeline.samples.append((1000.0 + second, CpuSample(second * 1.0, second * 2.0,
                                                            dict(used))))
        used["worker, role inbound"] += 0.1 if second < 20 else 0.3
    first, second, third = timeline.spans(1000.4, 10.0, 3)   # edges nearest 1000, 1010, ...
    assert round(first.groups["worker, role inbound"], 6) == 1.0
    assert round(third.groups["worker, role inbound"], 6) == 3.0
    assert second.machine_busy == 10.0 and second.machine_total == 20.0


def test_a_timeline_samples_from_its_start_to_its_end():
    own = "benchmark process (publisher, raw consumer)"
    with CpuTimeline() as timeline:
        while not timeline.samples:   # its first sample taken (a busy thread may delay it)
            time.sleep(0.01)
        exec(BURN)   # 0.4 s of this process's CPU
    assert len(timeline.samples) >= 2
    (start, first), (end, last) = timeline.samples[0], timeline.samples[-1]
    assert end - start >= 0.35
    assert last.groups[own] - first.groups[own] >= 0.3
    assert timeline.whole().groups[own] == last.groups[own] - first.groups[own]
