"""`grid-dispatch demo`: broker, worker and a simulated city, end to end, with progress."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import datetime

from tqdm import tqdm

from infra.bootstrap import local_broker
from infra.rebuild import views_from_store
from infra.report_table import render_counts, render_rows
from infra.simulated_departments import SimulatedDepartments
from infra.store import open_store
from infra.settings import Settings
from infra.topic_names import Topics
from infra.simulated_city import expected_incident_ids, publish_reports, simulated_reports
from infra.territory_source import department_names
from infra.topics import ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from infra.worker_process import WorkerProcess
from projections.evaluation import scorecards
from projections.open_incidents import UNASSIGNED
from projections.period import CITY_TZ, Period
from projections.views import Views


def run_demo(settings: Settings, count: int, serve: bool, timeout: float,
             whole_loop: bool = True) -> int:
    # A fresh broker answers its first requests with retriable errors that aiokafka logs
    # and retries; in a demo they only alarm.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    run_dir = settings.home / "demo" / datetime.now().strftime("run-%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    # Each run is a city of its own: its own home (store, views, and broker if local), so
    # that the table shows exactly this run. On a shared cluster its topics get a prefix.
    settings = replace(settings, home=run_dir, store_path=None, store_url=None, views_path=None)
    broker = None
    if settings.bootstrap_servers:
        bootstrap = settings.bootstrap_servers
        settings = replace(settings, topics=Topics(f"{settings.topics.prefix}{run_dir.name}."))
    else:
        broker = local_broker(settings)
        print("starting a Kafka broker for this run (the first run fetches its jars with "
              "Maven) ...", flush=True)
        bootstrap = broker.start()
    print(f"broker {bootstrap}; topics: {', '.join(ensure_topics_sync(bootstrap, settings.topics)) or 'present'}")
    worker = WorkerProcess.start(settings, bootstrap, loglevel="warning")
    try:
        reports = list(simulated_reports(count, run_id=run_dir.name))
        seconds, waits = asyncio.run(play(settings, bootstrap, reports, worker, timeout, whole_loop))
        print()
        print(render_counts(OpenIncidentsStore(settings.views).load().counts(),
                            department_names(settings.territory_path)))
        views = views_from_store(open_store(settings), show_progress=False)
        if whole_loop:
            print()
            print(demo_scorecards(views))
        merged = sum(1 for facts in views.facts.facts.values() if facts.merged)
        print(f"\n{merged} reports repeated an open incident and were merged into it "
              "(policies/data/duplicates.toml); each original counts once.")
        print(f"\n{count} reports published in {seconds:.1f}s; " + "; ".join(
            f"all {what} {waited:.1f}s after publishing ended" for what, waited in waits) +
            f".\nThis run lives in {run_dir}; GRID_DISPATCH_HOME={run_dir} .venv/bin/grid-dispatch "
            "report [open|scorecard|ranking|governance] shows it again.")
        if serve:
            print("serving: the worker keeps running; Ctrl-C stops it.", flush=True)
            worker.process.wait()
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        worker.stop()
        if broker is not None:
            broker.stop()


async def play(settings: Settings, bootstrap: str, reports: list[dict], worker: WorkerProcess,
               timeout: float, whole_loop: bool) -> tuple[float, list[tuple[str, float]]]:
    """Publish the reports; with the whole loop, simulated departments, grid workers,
    supervisors and reporters answer until every incident is closed."""
    stop = asyncio.Event()
    departments = SimulatedDepartments(bootstrap, settings.topics.events, settings.topics.commands,
                                       group=f"{settings.app_id}.simulated-departments")
    playing = asyncio.create_task(departments.run(stop)) if whole_loop else None
    try:
        with tqdm(total=len(reports), desc="publishing reports", unit="report") as bar:
            seconds = await publish_reports(bootstrap, settings.topics.reported, reports,
                                            live=True, progress=bar.update)
        wanted, published = expected_incident_ids(reports), time.monotonic()
        # Decided: sent to a department or a queue, or merged into the open incident it
        # repeats (closed at once, never dispatched). Both waits count from publishing's end.
        waits = [("decided", await asyncio.to_thread(
            wait_for, settings, wanted, worker, timeout, "decided",
            lambda row: row.holder != UNASSIGNED or not row.is_open, published))]
        if whole_loop:
            waits.append(("closed", await asyncio.to_thread(
                wait_for, settings, wanted, worker, timeout, "closed", lambda row: not row.is_open,
                published)))
        return seconds, waits
    finally:
        stop.set()
        if playing:
            await playing


def demo_scorecards(views: Views) -> str:
    period = Period.parse(datetime.now(CITY_TZ).strftime("%Y-%m"))
    cards = scorecards(views.facts.facts.values(), views.stages_of, period, "district")
    rows = [{"district": key, **tally.as_dict()} for key, tally in cards.items()]
    columns = ["district", "due", "closed", "closed_on_time", "closure_rate",
               "on_time_closure_rate", "on_time_acceptance_rate", "rework_rate", "return_rate",
               "satisfaction_rate", "resolution_rate"]
    return render_rows(rows, columns, title=f"evaluation by district, {period.label} (every "
                                            "figure, by department: report scorecard)")


def wait_for(settings: Settings, wanted: set[str], worker: WorkerProcess, timeout: float,
             what: str, done_when, since: float | None = None) -> float:
    """Until every wanted incident's row is `done_when`; the seconds from `since` (a
    `time.monotonic()`; default: now). The timeout counts from the call."""
    started = time.monotonic()
    since = started if since is None else since
    store = OpenIncidentsStore(settings.views)
    with tqdm(total=len(wanted), desc=what, unit="incident") as bar:
        while True:
            rows = store.load().rows
            done = sum(1 for i in wanted if i in rows and done_when(rows[i]))
            bar.update(done - bar.n)
            if done == len(wanted):
                return time.monotonic() - since
            if not worker.alive() or time.monotonic() - started > timeout:
                raise SystemExit(f"only {done} of {len(wanted)} incidents {what} "
                                 f"(worker {'running' if worker.alive() else 'exited'}):"
                                 f"\n{worker.log()[-3000:]}")
            time.sleep(0.5)
