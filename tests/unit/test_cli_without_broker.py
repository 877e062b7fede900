"""A command that needs Kafka, run where no broker answers, ends with one line that says
so, not a traceback (port 1 refuses at once: nothing listens there)."""
import os
import subprocess
import sys

import pytest

from infra.settings import PROJECT_ROOT


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", GRID_DISPATCH_HOME=str(tmp_path),
               GRID_DISPATCH_BROKER_WAIT_MS="1500")
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("args", [("topics",), ("feed", "housing"), ("simulate", "--count", "3")])
def test_a_command_without_a_broker_says_so_in_one_line(tmp_path, args):
    done = run(tmp_path, *args)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Unclosed" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1].startswith(
        f"grid-dispatch {args[0]}: no Kafka broker answered (KafkaConnectionError: ")


def test_a_worker_without_a_broker_waits_then_says_so_in_one_line(tmp_path):
    done = run(tmp_path, "worker")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "waiting for the broker at 127.0.0.1:1 (KAFKA_BOOTSTRAP_SERVERS)" in done.stderr
    assert done.stderr.splitlines()[-1].startswith(
        "grid-dispatch worker: no broker answered at 127.0.0.1:1 (KAFKA_BOOTSTRAP_SERVERS) "
        "within 1.5 s; last: KafkaConnectionError")
