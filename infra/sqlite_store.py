"""The SQLite event store: the durability of a commit chosen (`synchronous`), when the log
is checkpointed, and the store's batch-inserting recorder (infra/sqlite_recorder.py) made.

`synchronous` (env SQLITE_SYNCHRONOUS): FULL, eventsourcing's default, makes every commit
wait for an fsync of the write-ahead log; NORMAL leaves that to checkpoints. Either way
a commit survives the process dying (kill -9); with NORMAL a power cut or an OS crash may
take back the last commits, tracking rows included, so each partition then restarts from
the position the store still has and the reports and commands are read again from Kafka
(a single-node Kafka does not fsync either, by default). NORMAL saved about 15% of the
worker's time on the end-to-end benchmark (then one fsync per partition per batch; the
route step's commits are now one per batch when the store accepts the batch whole).

`cache_mib` (env SQLITE_CACHE_MIB): each connection's page cache, in MiB (0: SQLite's
default, 2 MiB). The store's key index takes new incidents at random places (their ids are
UUIDv5), so over a long run a commit's inserts land all over an index larger than a small
cache: with 64 MiB the route step over 100,000 reports cost about 5% less, its inserts
growing 10 → 18 µs a report rather than 10 → 29 (benchmarks/JOURNAL.md, session 19).

`checkpoints` (env SQLITE_CHECKPOINTS): "commit", SQLite's default, copies the log into
the database in the commit that takes it past 1,000 pages; "background", the worker's,
in a thread of the store's own every SQLITE_CHECKPOINT_SECONDS (0.5; see
infra/store_checkpoints.py); "elsewhere", a split pool's routing child's (the pool sets
it: infra/worker_pool.py): another process on the host checkpoints in the background (its
relaying sibling), so this one's commits copy the log only once it passes
`ELSEWHERE_SAFETY_PAGES`, should that process be gone. The copying cost the routing
process about 4 µs of CPU a report, and it is the split pair's busier half
(benchmarks/JOURNAL.md, session 23).
"""
from __future__ import annotations

from typing import Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import SQLITE3_DEFAULT_LOCK_TIMEOUT, SQLiteFactory

from infra.sqlite_opening import beside_other_openers
from infra.sqlite_recorder import BatchInsertProcessRecorder, names_a_plain_file
from infra.store_checkpoints import PAGE_BYTES, BackgroundCheckpoints

SYNCHRONOUS_MODES = ("FULL", "NORMAL", "EXTRA")
CHECKPOINT_MODES = ("commit", "background", "elsewhere")
# Four times the log a background checkpointer lets grow before it starts it over.
ELSEWHERE_SAFETY_PAGES = 4 * BackgroundCheckpoints.RESTART_PAGES


class BatchInsertSQLiteFactory(SQLiteFactory):
    SQLITE_SYNCHRONOUS = "SQLITE_SYNCHRONOUS"
    SQLITE_CHECKPOINTS = "SQLITE_CHECKPOINTS"
    SQLITE_CHECKPOINT_SECONDS = "SQLITE_CHECKPOINT_SECONDS"
    SQLITE_CACHE_MIB = "SQLITE_CACHE_MIB"
    process_recorder_class = BatchInsertProcessRecorder

    def __init__(self, env: Any):
        super().__init__(env)
        synchronous = (self.env.get(self.SQLITE_SYNCHRONOUS) or "FULL").upper()
        if synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"{self.SQLITE_SYNCHRONOUS}={synchronous!r}: expected one of "
                             f"{', '.join(SYNCHRONOUS_MODES)}")
        checkpoints = (self.env.get(self.SQLITE_CHECKPOINTS) or "commit").lower()
        if checkpoints not in CHECKPOINT_MODES:
            raise ValueError(f"{self.SQLITE_CHECKPOINTS}={checkpoints!r}: expected one of "
                             f"{', '.join(CHECKPOINT_MODES)}")
        settings = [f"PRAGMA synchronous={synchronous}"]
        cache = self.env.get(self.SQLITE_CACHE_MIB) or "0"
        if not cache.isdigit():
            raise ValueError(f"{self.SQLITE_CACHE_MIB}={cache!r}: expected a whole number of MiB")
        if int(cache):
            settings.append(f"PRAGMA cache_size={-1024 * int(cache)}")   # (negative: KiB)
        self.checkpointer: BackgroundCheckpoints | None = None
        pool = self.datastore.pool
        # (not for a URI: the checkpointer's plain connection would open another file)
        if checkpoints == "background" and names_a_plain_file(pool):
            self.checkpointer = BackgroundCheckpoints(
                pool.db_name, float(self.env.get(self.SQLITE_CHECKPOINT_SECONDS) or 0.5)).start()
            settings += ["PRAGMA wal_autocheckpoint=0",
                         f"PRAGMA journal_size_limit={self.checkpointer.log_limit_bytes}"]
        elif checkpoints == "elsewhere" and names_a_plain_file(pool):   # (a URI: as "commit")
            log_limit = BackgroundCheckpoints.RESTART_PAGES * PAGE_BYTES   # as its partner's
            settings += [f"PRAGMA wal_autocheckpoint={ELSEWHERE_SAFETY_PAGES}",
                         f"PRAGMA journal_size_limit={log_limit}"]
        # eventsourcing has no hook for connection settings: the pool's own factory is
        # wrapped, so every connection it makes (readers and writers alike) gets them.
        create_connection = pool._create_connection

        def configured():
            connection = create_connection()
            for setting in settings:
                connection._sqlite_conn.execute(setting)
            return connection
        pool._create_connection = configured
        self._recorders: list[BatchInsertProcessRecorder] = []

    def process_recorder(self) -> BatchInsertProcessRecorder:
        # Other processes may be making the tables too (infra/sqlite_opening.py): made
        # again, the recorder finds them made. Tried for as long as a statement waits.
        lock_timeout = self.datastore.pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT
        recorder = beside_other_openers(super().process_recorder, float(lock_timeout),
                                        refusals=(IntegrityError,))
        self._recorders.append(recorder)
        return recorder

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        for recorder in self._recorders:   # their threads' read connections
            recorder.close_readers()
        super().close()


PERSISTENCE_TOPIC = f"{__name__}:{BatchInsertSQLiteFactory.__name__}"
