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
    broker = LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache", with_starter=True)
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
    broker = LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache", with_starter=True)
    try:
        assert metadata_answers(broker.start())
    finally:
        broker.stop()


@pytest.mark.kafka   # starts a broker of its own, not the session's
def test_a_broker_started_with_its_starter_stops_when_the_starter_is_killed(tmp_path):
    """A test run or a benchmark killed midway (a CI timeout) left its broker running: a
    JVM of up to 768 MiB for every interrupted run."""
    import signal
    import time

    from infra.local_processes import pid_alive
    starter = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from infra.broker import LocalBroker; "
         "b = LocalBroker(Path(sys.argv[1]), Path(sys.argv[2]), with_starter=True); "
         "print(b.start(), flush=True); time.sleep(600)",
         str(tmp_path / "broker"), str(PROJECT_ROOT / ".cache")],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        bootstrap = starter.stdout.readline().strip()
        assert metadata_answers(bootstrap)
        broker = LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache")
        pid = broker.status().pid
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        deadline = time.monotonic() + 60
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not pid_alive(pid)
    finally:
        starter.kill()
        LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache").stop()
