"""Shared fixtures. The Kafka broker is real: started once per session on free ports."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from infra.broker import LocalBroker
from infra.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory) -> str:
    """A real broker: KAFKA_BOOTSTRAP_SERVERS if set, else our own single-node KRaft broker."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    broker = LocalBroker(tmp_path_factory.mktemp("kafka"), Path(
        os.environ.get("GRID_DISPATCH_CACHE", PROJECT_ROOT / ".cache")))
    bootstrap = broker.start()
    try:
        yield bootstrap
    finally:
        broker.stop()


def pytest_collection_modifyitems(items):
    for item in items:
        if "kafka_bootstrap" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kafka)
