"""`grid-dispatch demo` from the command line, as a person runs it on a fresh machine."""
import os
import re
import subprocess
import sys

import pytest

from infra.settings import PROJECT_ROOT

# The demo starts a broker of its own (the session's is left out of its environment).
pytestmark = pytest.mark.kafka


def test_the_demo_runs_to_the_end_and_prints_the_table(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env["GRID_DISPATCH_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "infra.cli", "demo", "--count", "500",
                             "--timeout", "120"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "no open incidents: every one is closed" in result.stdout
    assert "all closed" in result.stdout
    district_rows = [line.split() for line in lines if line[:3] in ("D01", "D02", "D03")]
    assert len(district_rows) == 3 and sum(int(row[2]) for row in district_rows) > 0  # closed
    assert "500 reports published" in result.stdout
    # Both waits count from the end of publishing: an incident is decided before it closes.
    found = re.search(r"all decided ([0-9.]+)s after publishing ended; "
                      r"all closed ([0-9.]+)s after publishing ended", result.stdout)
    assert found and float(found[1]) <= float(found[2]), found
    # It stopped what it started: no broker is left running in its home.
    status = subprocess.run([sys.executable, "-m", "infra.cli", "broker", "status"],
                            env={**env, "GRID_DISPATCH_HOME": str(next((tmp_path / "demo").iterdir()))},
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert status.returncode == 3 and "not running" in status.stdout


def test_the_reports_only_demo_prints_the_open_incidents(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env["GRID_DISPATCH_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "infra.cli", "demo", "--count", "300",
                             "--reports-only", "--timeout", "120"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    total = next(line for line in result.stdout.splitlines() if line.startswith("total"))
    merged = next(line for line in result.stdout.splitlines() if "were merged into it" in line)
    # Every report is an open incident, or was merged into the open one it repeats.
    assert int(total.split()[-1]) + int(merged.split()[0]) == 300
