"""A real PostgreSQL server of our own, for tests, benchmarks and trying the engine on one
machine: a cluster made with `initdb` in a folder, run by `pg_ctl` on 127.0.0.1 and a free
port, trusting local connections. A production store is an existing server named by URL.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to the
`postgres` account (which Debian's package makes) and its programs run as that account.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.local_processes import free_port

SERVER_ACCOUNT = "postgres"


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

    @property
    def url(self) -> str:
        if self.port is None:
            raise PostgresError("the server is not started")
        return f"postgresql://{SERVER_ACCOUNT}@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> str:
        """Make the cluster on first use, start it, make the database; return its URL."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self.data_dir.mkdir(exist_ok=True)
            self._own(self.state_dir)
            self._run("initdb", "-D", str(self.data_dir), "-U", SERVER_ACCOUNT,
                      "--auth=trust", "--encoding=UTF8", "--no-sync")
        self.port = free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.state_dir} -c fsync=off "
                   "-c max_connections=200 -c shared_buffers=128MB")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.state_dir / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")
        self.create_database(self.database)
        return self.url

    def create_database(self, name: str) -> str:
        """A new empty database on this server (dropped first if it exists); its URL."""
        return create_database(self.url, name)

    @classmethod
    @contextmanager
    def temporary(cls) -> Iterator[LocalPostgres]:
        """A server in a new folder of the system's temporary one, started, then stopped
        and removed. (Not under a private temporary folder of ours: when we are root the
        server runs as its own account, which must reach its folder.)"""
        state = Path(tempfile.mkdtemp(prefix="grid-dispatch-postgres-"))
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
        if (self.data_dir / "postmaster.pid").exists():
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
