"""Our own PostgreSQL server for tests and benchmarks: it stops when its starter dies, and
the folder such a death leaves is removed by the next temporary server."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from infra.local_postgres import (
    TEMPORARY_PREFIX,
    PostgresError,
    _remove_abandoned,
    server_programs,
)
from infra.local_processes import pid_alive
from infra.settings import PROJECT_ROOT

try:
    server_programs()
    HAVE_SERVER = True
except PostgresError:   # (the machine has no PostgreSQL server programs)
    HAVE_SERVER = False


@pytest.mark.skipif(not HAVE_SERVER, reason="no PostgreSQL server programs")
def test_a_server_stops_when_its_starter_is_killed(tmp_path):
    """Started by `pg_ctl`, which detaches it, a server outlived every test run killed
    midway (a CI timeout, a developer's ^\\)."""
    starter = subprocess.Popen(
        [sys.executable, "-c", ("import time; from infra.local_postgres import LocalPostgres\n"
                                "with LocalPostgres.temporary() as server:\n"
                                "    print(server.url, server.data_dir, flush=True); "
                                "time.sleep(600)")],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    pid, data_dir = 0, None
    try:
        url, data_dir = starter.stdout.readline().split()
        psycopg.connect(url).close()
        pid = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        deadline = time.monotonic() + 30
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not pid_alive(pid), "the server outlived its starter"
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2).close()
    finally:
        starter.kill()
        starter.wait()
        if pid and pid_alive(pid):   # (the test failed: it must not leave the server running)
            os.kill(pid, signal.SIGQUIT)
            time.sleep(1)
        if data_dir is not None:   # what the next temporary server would remove
            shutil.rmtree(Path(data_dir).parent, ignore_errors=True)


def test_only_folders_whose_server_is_gone_are_removed_and_only_old_ones(tmp_path):
    def folder(name: str, pid: int | None, age: float) -> Path:
        state = tmp_path / (TEMPORARY_PREFIX + name)
        (state / "data").mkdir(parents=True)
        if pid is not None:
            (state / "data" / "postmaster.pid").write_text(f"{pid}\n/some/where\n")
        os.utime(state, (time.time() - age, time.time() - age))
        return state
    dead = subprocess.Popen(["true"])
    dead.wait()
    gone = folder("gone", dead.pid, age=3600)
    stopped = folder("stopped", None, age=3600)
    running = folder("running", os.getpid(), age=3600)
    being_made = folder("new", None, age=5)
    other = tmp_path / "someone-else"
    other.mkdir()
    _remove_abandoned(tmp_path)
    assert not gone.exists() and not stopped.exists()
    assert running.exists() and being_made.exists() and other.exists()
