"""`grid-dispatch simulate`: a simulated city against a running worker.

It publishes reports at a chosen rate (places and categories from the demo city) and, unless
`--reports-only`, plays the other side of the loop on `incidents.commands` with the chosen
probabilities: departments accept, return what is not theirs, suspend, ask for more time and
resolve (some late); grid workers verify on site; reporters rate; supervisors dispatch the
manual queues. It answers until the log has been quiet for `--quiet` seconds (or Ctrl-C).
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import time

from infra.settings import Settings
from infra.simulated_departments import Behaviour, SimulatedDepartments


def add_parser(commands) -> None:
    simulate = commands.add_parser(
        "simulate", help="publish simulated reports and play departments, grid workers, reporters")
    simulate.add_argument("--count", type=int, default=3000, help="reports to publish (3000)")
    simulate.add_argument("--rate", type=float, default=0.0,
                          help="reports per second (0: as fast as possible)")
    simulate.add_argument("--run-id", default=None, help="prefix of the report ids (default: time-based)")
    simulate.add_argument("--reports-only", action="store_true",
                          help="only publish; nobody answers on incidents.commands")
    simulate.add_argument("--quiet", type=float, default=10.0,
                          help="stop answering after this many seconds without a new event (10)")
    defaults = Behaviour()
    for field in dataclasses.fields(Behaviour):
        if field.type in ("float", float):
            simulate.add_argument(f"--{field.name.replace('_', '-')}", type=_share,
                                  default=getattr(defaults, field.name),
                                  help=f"probability, 0..1 (default {getattr(defaults, field.name)})")
    simulate.set_defaults(run=run)


def run(args, settings: Settings) -> int:
    from tqdm import tqdm

    from infra.bootstrap import resolve_bootstrap
    from infra.simulated_city import publish_reports, simulated_reports
    from infra.topics import ensure_topics_sync
    bootstrap = resolve_bootstrap(settings)
    ensure_topics_sync(bootstrap, settings.topics)
    run_id = args.run_id or time.strftime("sim-%Y%m%d-%H%M%S")
    reports = list(simulated_reports(args.count, run_id))
    behaviour = Behaviour(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Behaviour)
                             if hasattr(args, f.name)})
    departments = None if args.reports_only else SimulatedDepartments(
        bootstrap, settings.topics.events, settings.topics.commands,
        group=f"{settings.app_id}.simulated-departments", behaviour=behaviour)

    async def play() -> float:
        stop = asyncio.Event()
        answering = asyncio.create_task(departments.run(stop)) if departments else None
        try:
            with tqdm(total=args.count, desc="publishing reports", unit="report") as bar:
                seconds = await publish_reports(bootstrap, settings.topics.reported, reports,
                                                rate=args.rate, live=True, progress=bar.update)
            if departments:
                await _until_quiet(departments, args.quiet)
            return seconds
        finally:
            stop.set()
            if answering:
                await answering

    try:
        seconds = asyncio.run(play())
    except KeyboardInterrupt:
        return 130
    print(f"published {args.count} reports to {settings.topics.reported} in {seconds:.2f}s "
          f"(run id {run_id})" + (f"; sent {departments.sent} commands to "
                                  f"{settings.topics.commands}" if departments else ""))
    return 0


async def _until_quiet(departments: SimulatedDepartments, quiet: float) -> None:
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet:
        await asyncio.sleep(0.5)
        if departments.reacted != last:
            last, since = departments.reacted, time.monotonic()


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a probability from 0 to 1, not {text}")
    return value
