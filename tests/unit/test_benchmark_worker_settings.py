"""A benchmark's worker takes its tuning from the caller's environment, never its place."""
from __future__ import annotations

from pathlib import Path

from benchmarks.worker_settings import tuning, worker_settings

CALLER = {"GRID_DISPATCH_RECENT_INCIDENTS": "100000", "GRID_DISPATCH_BATCH_SIZE": "250",
          "GRID_DISPATCH_STORE_SYNC": "full", "GRID_DISPATCH_STORE": "/srv/city/store.sqlite",
          "GRID_DISPATCH_VIEWS": "/srv/city/views.sqlite", "GRID_DISPATCH_HOME": "/srv/city",
          "GRID_DISPATCH_TOPIC_PREFIX": "prod.", "GRID_DISPATCH_WORKER_ROLE": "inbound",
          "GRID_DISPATCH_SOLE_INBOUND": "1", "GRID_DISPATCH_METRICS_PORT": "9100"}


def test_the_tuning_comes_from_the_environment(tmp_path: Path):
    settings = worker_settings(tmp_path, "127.0.0.1:9092", "t1", CALLER)
    env = settings.environment("127.0.0.1:9092")
    assert (settings.recent_incidents, settings.batch_size, settings.store_sync) == \
        (100_000, 250, "full")
    assert env["GRID_DISPATCH_RECENT_INCIDENTS"] == "100000"


def test_the_place_is_the_benchmarks_own(tmp_path: Path):
    settings = worker_settings(tmp_path, "127.0.0.1:9092", "t1", CALLER)
    assert settings.store.parent == tmp_path and settings.views.parent == tmp_path
    assert settings.topics.reported == "bench-t1.incidents.reported"
    assert (settings.worker_role, settings.sole_inbound, settings.metrics_port) == \
        ("all", False, 0)


def test_the_heading_names_only_the_tuning():
    assert tuning(CALLER) == ("GRID_DISPATCH_BATCH_SIZE=250, GRID_DISPATCH_RECENT_INCIDENTS=100000, "
                              "GRID_DISPATCH_STORE_SYNC=full")
    assert tuning({"GRID_DISPATCH_HOME": "/x"}) == "defaults"
