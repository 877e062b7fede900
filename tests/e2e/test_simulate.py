"""`grid-dispatch simulate` against a running worker: it reports, and it answers."""
import os
import subprocess
import sys

from infra.settings import PROJECT_ROOT
from infra.simulated_city import expected_incident_ids, simulated_reports
from infra.topics import ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from tests.support import isolated_settings, start_worker, wait_until


def test_simulate_publishes_and_its_departments_close_the_loop(kafka_bootstrap, tmp_path):
    settings = isolated_settings(tmp_path / "worker", kafka_bootstrap)
    ensure_topics_sync(kafka_bootstrap, settings.topics)
    worker = start_worker(settings)
    try:
        env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
                   GRID_DISPATCH_HOME=str(tmp_path / "sim"),
                   GRID_DISPATCH_TOPIC_PREFIX=settings.topics.prefix,
                   GRID_DISPATCH_APP_ID=settings.app_id)
        # The departments answer until nothing happened for --quiet seconds: long enough
        # that a worker slowed by a busy machine is not taken for a finished loop.
        result = subprocess.run(
            [sys.executable, "-m", "infra.cli", "simulate", "--count", "200", "--run-id", "simcli",
             "--quiet", "15", "--returns", "0.2", "--rates", "1"],
            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert "published 200 reports" in result.stdout and "commands to" in result.stdout
        wanted = expected_incident_ids(list(simulated_reports(200, "simcli")))
        views = OpenIncidentsStore(settings.views)
        wait_until(lambda: all(i in views.load().rows and not views.load().rows[i].is_open
                               for i in wanted), 60, message="every simulated incident closed")
    finally:
        worker.stop()
