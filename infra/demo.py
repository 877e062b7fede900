"""`grid-dispatch demo`: broker, worker and a simulated city, end to end, with progress."""
from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime

from tqdm import tqdm

from infra.bootstrap import local_broker
from infra.report_table import render_counts
from infra.settings import Settings, Topics
from infra.simulated_city import expected_incident_ids, publish_reports, simulated_reports
from infra.territory_source import department_names
from infra.topics import ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from infra.worker_process import WorkerProcess
from projections.open_incidents import UNASSIGNED


def run_demo(settings: Settings, count: int, serve: bool, timeout: float) -> int:
    run_dir = settings.home / "demo" / datetime.now().strftime("run-%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    # Each run is a city of its own: its own home (store, views, and broker if local), so
    # that the table shows exactly this run. On a shared cluster its topics get a prefix.
    settings = replace(settings, home=run_dir, store_path=None, views_path=None)
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
        with tqdm(total=count, desc="publishing reports", unit="report") as bar:
            seconds = asyncio.run(publish_reports(bootstrap, settings.topics.reported, reports,
                                                  progress=bar.update))
        waited = wait_until_dispatched(settings, expected_incident_ids(reports), worker, timeout)
        view = OpenIncidentsStore(settings.views).load()
        print()
        print(render_counts(view.counts(), department_names(settings.territory_path)))
        print(f"\n{count} reports published in {seconds:.1f}s; all dispatched "
              f"{waited:.1f}s after publishing ended.\nThis run lives in {run_dir}; "
              f"GRID_DISPATCH_HOME={run_dir} grid-dispatch report shows it again.")
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


def wait_until_dispatched(settings: Settings, wanted: set[str], worker: WorkerProcess,
                          timeout: float) -> float:
    started = time.monotonic()
    store = OpenIncidentsStore(settings.views)
    with tqdm(total=len(wanted), desc="dispatched", unit="incident") as bar:
        while True:
            rows = store.load().rows
            done = sum(1 for i in wanted if i in rows and rows[i].holder != UNASSIGNED)
            bar.update(done - bar.n)
            if done == len(wanted):
                return time.monotonic() - started
            if not worker.alive() or time.monotonic() - started > timeout:
                raise SystemExit(f"only {done} of {len(wanted)} incidents dispatched "
                                 f"(worker {'running' if worker.alive() else 'exited'}):"
                                 f"\n{worker.log()[-3000:]}")
            time.sleep(0.5)
