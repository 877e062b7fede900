"""The settings a benchmark's worker runs with.

The tuning comes from the caller's environment (`GRID_DISPATCH_RECENT_INCIDENTS=100000
python -m benchmarks ...` runs the worker with it); the place comes from the benchmark: its
own home, store, views file, topics and consumer groups, so that a run never touches the
caller's. The pool decides roles and indexes itself.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from infra.settings import Settings
from infra.topic_names import Topics

# What the benchmark decides, whatever the environment says.
PLACE = ("GRID_DISPATCH_HOME", "GRID_DISPATCH_STORE", "GRID_DISPATCH_STORE_URL",
         "GRID_DISPATCH_VIEWS",
         "GRID_DISPATCH_APP_ID", "GRID_DISPATCH_TOPIC_PREFIX", "GRID_DISPATCH_WORKER_INDEX",
         "GRID_DISPATCH_WORKER_ROLE", "GRID_DISPATCH_SOLE_INBOUND", "GRID_DISPATCH_METRICS_PORT",
         "GRID_DISPATCH_PROFILE")


def worker_settings(home: Path, bootstrap: str, tag: str,
                    environ: dict[str, str] | None = None,
                    store_url: str | None = None) -> Settings:
    """`store_url`: a PostgreSQL database of the benchmark's own (default: a SQLite file in
    `home`)."""
    tuned = Settings.from_env(dict(os.environ if environ is None else environ))
    return replace(tuned, home=home, bootstrap_servers=bootstrap, store_path=None,
                   store_url=store_url,
                   views_path=None, app_id=f"bench-{tag}", topics=Topics(prefix=f"bench-{tag}."),
                   worker_index=0, worker_role="all", sole_inbound=False, metrics_port=0,
                   profile_path=None)


def tuning(environ: dict[str, str] | None = None) -> str:
    """The worker settings the environment changes, for the benchmark's heading."""
    env = os.environ if environ is None else environ
    changed = sorted(f"{name}={value}" for name, value in env.items()
                     if name.startswith("GRID_DISPATCH_") and name not in PLACE)
    return ", ".join(changed) or "defaults"
