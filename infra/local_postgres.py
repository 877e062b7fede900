"""A real PostgreSQL server of our own, for tests, benchmarks and trying the engine on one
machine: a cluster made with `initdb` in a folder, its server run as our child on 127.0.0.1
and a free port, trusting local connections. A production store is an existing server
named by URL.

The server stops when the process that started it dies, even by kill -9 (it is told to
stop at once, as `pg_ctl stop -m immediate` would): started by `pg_ctl`, which detaches it,
it had outlived every test run killed midway. A temporary server's folder left so is
removed by the next one started.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to the
`postgres` account (which Debian's package makes) and its programs run as that account.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from infra.local_processes import die_with_parent, free_port, pid_alive

SERVER_ACCOUNT = "postgres"
TEMPORARY_PREFIX = "grid-dispatch-postgres-"


class PostgresError(RuntimeError):
    pass


def server_programs() -> Path:
    """The folder holding initdb and pg_ctl (Debian keeps them off the PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not versions:
        raise PostgresError("no PostgreSQL server programs (initdb, pg_ctl) on this machine: "
                            "install Debian's `postgresql` package")
    return Path(versions[-1]).parent


def create_database(server_url: str, name: str) -> str:
    """A new empty database on the server of `server_url` (dropped first if it exists), by
    an account allowed to; the new database's URL."""
    import psycopg
    with psycopg.connect(server_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


class LocalPostgres:
    def __init__(self, state_dir: Path, *, database: str = "grid_dispatch"):
        self.state_dir = Path(state_dir)
        self.data_dir = self.state_dir / "data"
        self.database = database
        self.port: int | None = None
        self._bin = server_programs()
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise PostgresError("the server is not started")
        return f"postgresql://{SERVER_ACCOUNT}@127.0.0.1:{self.port}/{self.database}"

    def start(self, timeout: float = 60.0) -> str:
        """Make the cluster on first use, start it, make the database; return its URL."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self.data_dir.mkdir(exist_ok=True)
            self._own(self.state_dir)
            self._run("initdb", "-D", str(self.data_dir), "-U", SERVER_ACCOUNT,
                      "--auth=trust", "--encoding=UTF8", "--no-sync")
        self.port = free_port()
        command = [str(self._bin / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                   "-c", "listen_addresses=127.0.0.1",
                   "-c", f"unix_socket_directories={self.state_dir}", "-c", "fsync=off",
                   "-c", "max_connections=200", "-c", "shared_buffers=128MB"]
        account = pwd.getpwnam(SERVER_ACCOUNT) if os.geteuid() == 0 else None
        # (not following a link: as root, the folder is the server account's to write in)
        log_fd = os.open(self.state_dir / "server.log",
                         os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        with os.fdopen(log_fd, "ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd="/", start_new_session=True,
                user=account.pw_uid if account else None,
                group=account.pw_gid if account else None,
                extra_groups=[] if account else None,
                preexec_fn=partial(die_with_parent, signal.SIGQUIT))   # (after the user)
        self._wait_ready(timeout)
        self.create_database(self.database)
        return self.url

    def _wait_ready(self, timeout: float) -> None:
        import psycopg
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (self.state_dir / "server.log").read_text(errors="replace")
                    raise PostgresError(f"the server did not start: {log[-2000:]}") from None
                time.sleep(0.1)

    def create_database(self, name: str) -> str:
        """A new empty database on this server (dropped first if it exists); its URL."""
        return create_database(self.url, name)

    @classmethod
    @contextmanager
    def temporary(cls) -> Iterator[LocalPostgres]:
        """A server in a new folder of the system's temporary one, started, then stopped
        and removed. (Not under a private temporary folder of ours: when we are root the
        server runs as its own account, which must reach its folder.)"""
        _remove_abandoned(Path(tempfile.gettempdir()))
        state = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX))
        server = cls(state)
        try:
            server.start()
            yield server
        finally:
            try:
                server.stop()
            finally:
                shutil.rmtree(state, ignore_errors=True)

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGQUIT)   # immediate shutdown
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:   # not to leave it running in a folder removed
                self._process.kill()
                self._process.wait()
            self._process = None
        elif (self.data_dir / "postmaster.pid").exists():   # a server another process started
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_ACCOUNT)
            for folder in (path, *path.rglob("*")):
                os.chown(folder, account.pw_uid, account.pw_gid)

    def _run(self, program: str, *args: str) -> str:
        command = [str(self._bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_ACCOUNT, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            raise PostgresError(f"{program} failed ({done.returncode}): "
                                f"{(done.stderr or done.stdout).strip()}")
        return done.stdout


def _remove_abandoned(folder: Path, older_than: float = 600.0) -> None:
    """Temporary servers' folders whose server is gone (its starter was killed): removed,
    once they are old enough not to be one another process is making now."""
    for state in folder.glob(TEMPORARY_PREFIX + "*"):
        try:
            if time.time() - state.stat().st_mtime < older_than:
                continue
            pid = int((state / "data" / "postmaster.pid").read_text().split()[0])
        except FileNotFoundError:
            pid = None   # stopped (its pid file is gone), or never started
        except (OSError, ValueError, IndexError):
            continue
        if pid is None or not pid_alive(pid):
            shutil.rmtree(state, ignore_errors=True)
