"""Shared fixtures. The Kafka broker is real: started once per session on free ports."""
from __future__ import annotations

import hashlib
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
        os.environ.get("GRID_DISPATCH_CACHE", PROJECT_ROOT / ".cache")), with_starter=True)
    bootstrap = broker.start()
    try:
        yield bootstrap
    finally:
        broker.stop()


def pytest_collection_modifyitems(items):
    for item in items:
        if "kafka_bootstrap" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kafka)
        if "postgres_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A real PostgreSQL server: GRID_DISPATCH_TEST_POSTGRES (the URL of an account that
    may create databases) if set, else our own cluster, made and started for the session."""
    external = os.environ.get("GRID_DISPATCH_TEST_POSTGRES")
    if external:
        yield external
        return
    from infra.local_postgres import LocalPostgres
    with LocalPostgres.temporary() as server:
        yield server.url


@pytest.fixture
def postgres_url(postgres_server, request) -> str:
    """A new empty database for one test, on the session's server."""
    from infra.local_postgres import create_database
    name = "t_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20]
    return create_database(postgres_server, name)
