"""The policy and territory commands, run as a person runs them."""
import os
import sqlite3
import subprocess
import sys
import uuid

import orjson

from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.settings import PROJECT_ROOT
from infra.simulated_city import simulated_reports
from infra.store import sqlite_service
from policies.loader import DEMO_POLICY
from tests.city import dispatcher
from tests.factories import report_bytes


def cli(*args: str, home) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRID_DISPATCH_")}
    env["GRID_DISPATCH_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_policy_check_passes_on_the_shipped_policy_and_fails_on_a_broken_one(tmp_path):
    result = cli("policy", "check", "--at", "2026-11-26T10:00", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "result: OK: 0 error(s)" in result.stdout
    assert "misc: 3 of 3 leaf categories go to a manual queue somewhere" in result.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(DEMO_POLICY.read_text().replace('department = "ST01-office"',
                                                      'department = "ST01-ofice"', 1))
    result = cli("policy", "check", str(broken), home=tmp_path)
    assert result.returncode == 1
    assert "department 'ST01-ofice' is not a department of the territory" in result.stdout


def test_explain_shows_the_enclave_answering_by_category(tmp_path):
    household = cli("policy", "explain", "--category", "household-registration.move-in",
                    "--location", "G0040", "--at", "2026-11-26T10:00", home=tmp_path)
    gathering = cli("policy", "explain", "--category", "public-safety.gathering",
                    "--location", "G0040", "--at", "2026-11-26T10:00", home=tmp_path)
    assert household.returncode == 0, household.stderr
    assert "responsible district for this category: D02" in household.stdout
    assert "decision: D02-public-security" in household.stdout
    assert "responsible district for this category: D01" in gathering.stdout
    assert "decision: D01-public-security" in gathering.stdout


def test_backtest_replays_reports_through_a_candidate_without_storing(tmp_path):
    events = tmp_path / "reports.jsonl"
    events.write_bytes(b"\n".join(orjson.dumps(r) for r in simulated_reports(300, "bt")) + b"\nnot json\n")
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(DEMO_POLICY.read_text().replace('department = "ST01-office"',
                                                         'department = "comprehensive-governance"'))
    result = cli("policy", "backtest", "--policy", str(candidate), "--events", str(events),
                 home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "300 incidents" in result.stdout and "would go elsewhere" in result.stdout
    assert "ST01-office -> comprehensive-governance" in result.stdout
    assert not (tmp_path / "store.sqlite").exists()


def test_territory_check_reports_the_demo_citys_known_defects(tmp_path):
    result = cli("territory", "check", home=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "vacant grids (no full-time worker) (12)" in result.stdout
    assert "workers holding two or more grids (8)" in result.stdout


def test_backtest_from_the_store_leaves_out_a_report_it_cannot_read(tmp_path):
    """As the relay and a rebuild do (infra/relay_records.py): named on stderr, not fatal."""
    service = sqlite_service(tmp_path / "store.sqlite")
    route = RouteReports(service, dispatcher())
    route.record(route.prepare([InboundMessage("r", 0, n, None, report_bytes(f"B{n}"))
                                for n in range(12)]))
    with sqlite3.connect(tmp_path / "store.sqlite") as store:
        store.execute("INSERT INTO stored_events (originator_id, originator_version, topic, "
                      "state) VALUES (?, 1, 'dispatch.domain.incident:Incident.Reported', ?)",
                      (uuid.uuid4().hex, b"\x00oops"))
    result = cli("policy", "backtest", "--policy", str(DEMO_POLICY), "--from-store",
                 home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "12 incidents" in result.stdout
    assert "cannot be read, left out: JSONDecodeError" in result.stderr
