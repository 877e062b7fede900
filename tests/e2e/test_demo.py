"""`grid-dispatch demo` from the command line, as a person runs it on a fresh machine."""
import os
import subprocess
import sys

from infra.settings import PROJECT_ROOT


def test_the_demo_runs_to_the_end_and_prints_the_table(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env["GRID_DISPATCH_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "infra.cli", "demo", "--count", "500",
                             "--timeout", "120"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[-1] == "500"
    assert any(line.startswith("urban-management") for line in lines)
    assert "500 reports published" in result.stdout
    # It stopped what it started: no broker is left running in its home.
    status = subprocess.run([sys.executable, "-m", "infra.cli", "broker", "status"],
                            env={**env, "GRID_DISPATCH_HOME": str(next((tmp_path / "demo").iterdir()))},
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert status.returncode == 3 and "not running" in status.stdout
