import os
import subprocess
import sys

import pytest

from infra.broker import LocalBroker
from infra.kafka_probe import metadata_answers
from infra.settings import PROJECT_ROOT
from infra.topic_names import Topics
from infra.topics import ensure_topics_sync, topic_specs


def test_the_session_broker_answers_metadata(kafka_bootstrap):
    assert metadata_answers(kafka_bootstrap)


def test_topics_are_created_once_with_their_partition_counts(kafka_bootstrap):
    topics = Topics(prefix="topics-test.")
    created = ensure_topics_sync(kafka_bootstrap, topics)
    assert sorted(created) == sorted(spec.name for spec in topic_specs(topics))
    assert ensure_topics_sync(kafka_bootstrap, topics) == []
    partitions = {spec.name: spec.partitions for spec in topic_specs(topics)}
    assert partitions[topics.reported] >= 6 and partitions[topics.events] >= 6


@pytest.mark.kafka   # starts a broker of its own, not the session's
def test_broker_start_is_idempotent_and_stop_stops_it(tmp_path):
    broker = LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache")
    first = broker.start()
    try:
        assert broker.start() == first
        assert broker.status().running
    finally:
        assert broker.stop()
    assert not broker.status().running
    assert not metadata_answers(first, timeout=1.0)
    # Started again, it keeps its address and its formatted storage.
    assert broker.start() == first
    broker.stop()
    assert "Kafka Server started" in (tmp_path / "broker" / "logs" / "server.log").read_text()


def test_the_cli_reports_status_of_an_external_cluster(kafka_bootstrap):
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap)
    result = subprocess.run([sys.executable, "-m", "infra.cli", "broker", "status"],
                            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"external cluster {kafka_bootstrap}: answering" in result.stdout


@pytest.mark.kafka   # starts a broker of its own, not the session's
def test_a_cluster_id_beginning_with_a_dash_formats_and_starts(tmp_path, monkeypatch):
    """Base64 ids begin with "-" one time in 64; the storage tool once took it for an option."""
    import infra.broker_setup
    monkeypatch.setattr(infra.broker_setup, "_kafka_cluster_id", lambda: "-" + "Q" * 21)
    broker = LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache")
    try:
        assert metadata_answers(broker.start())
    finally:
        broker.stop()
