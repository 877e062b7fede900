"""The worker's Faust app: it hosts the worker's tasks and timers, and nothing else.

The steps read and write Kafka with plain aiokafka clients (infra/inbound_consumer.py,
infra/projector.py, the relay); no Faust agent, table or web view is left.
"""
from __future__ import annotations

import faust

from infra.settings import Settings


def worker_app(settings: Settings, bootstrap: str) -> faust.App:
    # Faust formats `datadir` with str.format: braces in a path must be doubled.
    datadir = str(settings.home / f"faust-{settings.app_id}").replace("{", "{{").replace("}", "}}")
    return faust.App(
        settings.app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        # Faust keeps table state in `datadir`, by default `<app id>-data` in the working
        # directory; this app has no tables, so it goes beside the store, not in the cwd.
        datadir=datadir,
        web_enabled=False,
        topic_replication_factor=1,
        topic_partitions=6,
        producer_linger=0.005,
        # The app still joins its own group (`<app id>`, no topics) before its tasks run; a
        # worker killed with -9 holds a place in it until its session times out, which
        # would hold a restarted worker back for Faust's default of 60 s.
        broker_session_timeout=10.0,
    )
