"""Views rebuilt from the store alone (SQLite or PostgreSQL) equal the views built live,
through the command line as an operator runs it."""
import os
import subprocess
import sys

import pytest

from dispatch.published import published_event
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.settings import PROJECT_ROOT
from infra.store import postgres_service, sqlite_service
from infra.view_store import OpenIncidentsStore
from tests.city import dispatcher
from projections.open_incidents import OpenIncidentsByDepartment
from tests.factories import report_bytes


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_rebuild_from_the_store_equals_the_live_view(tmp_path, store, request):
    env = dict(os.environ, GRID_DISPATCH_HOME=str(tmp_path))
    if store == "postgres":
        env["GRID_DISPATCH_STORE_URL"] = request.getfixturevalue("postgres_url")
        service = postgres_service(env["GRID_DISPATCH_STORE_URL"])
    else:
        service = sqlite_service(tmp_path / "store.sqlite")
    route = RouteReports(service, dispatcher())
    categories = ["environment.noise", "market.food", "traffic.parking", "nothing.known"] * 50
    live = OpenIncidentsByDepartment()
    for start in range(0, len(categories), 37):
        batch = [InboundMessage("r", 0, n, None, report_bytes(f"R{n}", category=categories[n]))
                 for n in range(start, min(start + 37, len(categories)))]
        before = service.recorder.max_notification_id() or 0
        route.record(route.prepare(batch))
        live.apply(published_event(service.domain_event(n))
                   for n in service.notifications_after(before, 10_000))
    views = OpenIncidentsStore(tmp_path / "views.sqlite")
    views.save_rows(live.rows)
    assert views.load().rows == live.rows

    result = subprocess.run([sys.executable, "-m", "infra.cli", "rebuild"], env=env,
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "gave way to Python" not in result.stderr   # replayed natively, on either store
    assert "replayed 600 events: 200 incidents" in result.stdout  # Reported, Located, Dispatched
    assert OpenIncidentsStore(tmp_path / "views.sqlite").load().rows == live.rows

    report = subprocess.run([sys.executable, "-m", "infra.cli", "report", "--format", "csv"],
                            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert "environment,Ecology and Environment Bureau,50" in report.stdout.splitlines()
    assert (tmp_path / "store.sqlite").exists() == (store == "sqlite")
