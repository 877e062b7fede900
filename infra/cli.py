"""The `grid-dispatch` command line."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from infra import broker_commands, policy_commands, simulate_cli
from infra.settings import WORKER_ROLES, Settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return args.run(args, Settings.from_env()) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grid-dispatch",
        description="Event-sourced incident dispatch for city grid governance.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    broker_commands.add_parser(commands)

    topics = commands.add_parser("topics", help="create the contract topics (idempotent)")
    topics.set_defaults(run=_topics)

    worker = commands.add_parser("worker", help="run the stream worker (route, relay, project)")
    worker.add_argument("--loglevel", default="warning", help="Faust log level (default: warning)")
    worker.add_argument("--processes", type=int, default=1,
                        help="workers sharing the store, one per core (default 1; "
                             "each adds its index to GRID_DISPATCH_METRICS_PORT)")
    worker.add_argument("--split", action="store_true",
                        help="with --processes N (2 or more): process 0 relays, keeps the views "
                             "and watches SLAs, the others route reports and handle commands")
    worker.add_argument("--role", choices=WORKER_ROLES, default=None,
                        help="what this worker does: all (default), inbound (route, commands) "
                             "or outbound (relay, views, SLA watcher); GRID_DISPATCH_WORKER_ROLE")
    worker.set_defaults(run=_worker)

    simulate_cli.add_parser(commands)

    demo = commands.add_parser("demo", help="broker + worker + simulated city, end to end")
    demo.add_argument("--count", type=int, default=3000, help="reports to publish (3000)")
    demo.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for dispatch")
    demo.add_argument("--serve", action="store_true", help="keep the worker running afterwards")
    demo.add_argument("--reports-only", action="store_true",
                      help="only publish and dispatch; no simulated departments closing the loop")
    demo.set_defaults(run=_demo)

    report = commands.add_parser(
        "report", help="open incidents, scorecards, ranking or grid governance, from the store")
    report.add_argument("view", nargs="?", default="open",
                        choices=["open", "scorecard", "ranking", "governance"])
    report.add_argument("--by", dest="dimension", default="department",
                        choices=["department", "street", "district", "grid", "grid_worker"])
    report.add_argument("--period", default=None,
                        help="2026-11-26 | 2026-W48 | 2026-11 | 2026-11-01..2026-11-15 "
                             "(default: this month); for governance: the day")
    report.add_argument("--format", choices=["table", "csv", "json"], default="table")
    report.set_defaults(run=_report)

    policy_commands.add_parser(commands)

    feed = commands.add_parser(
        "feed", help="one department's tickets from incidents.events, as JSON lines")
    feed.add_argument("department", help="department code, e.g. urban-management")
    feed.add_argument("--follow", action="store_true", help="keep reading new events")
    feed.set_defaults(run=_feed)

    territory = commands.add_parser("territory", help="the city's grids, places and people")
    territory_actions = territory.add_subparsers(title="actions", metavar="ACTION", required=True)
    check = territory_actions.add_parser(
        "check", help="validate a territory file: overlaps, gaps, vacant grids, multi-grid workers")
    check.add_argument("file", nargs="?", default=None,
                       help="territory JSON (default: the shipped demo city)")
    check.add_argument("--format", choices=["table", "json"], default="table")
    check.set_defaults(run=_territory_check)

    schemas = commands.add_parser("schemas", help="check or write the contracts' JSON Schema files")
    schemas.add_argument("--write", action="store_true", help="rewrite the stale files")
    schemas.set_defaults(run=_schemas)

    rebuild = commands.add_parser("rebuild", help="rebuild the views by replaying the event store")
    rebuild.set_defaults(run=_rebuild)
    return parser


def _topics(args, settings: Settings) -> int:
    from infra.bootstrap import resolve_bootstrap
    from infra.topics import ensure_topics_sync
    created = ensure_topics_sync(resolve_bootstrap(settings), settings.topics)
    print("created: " + (", ".join(created) if created else "none (all present)"))
    return 0


def _worker(args, settings: Settings) -> int:
    from infra.bootstrap import run_worker
    if args.processes < 1:
        print(f"worker --processes {args.processes}: needs at least 1", file=sys.stderr)
        return 2
    if args.split and (args.processes < 2 or args.role):
        print("worker --split: needs --processes 2 or more, and no --role (it gives each "
              "process its role)", file=sys.stderr)
        return 2
    if args.role:
        settings = replace(settings, worker_role=args.role)
    try:
        settings.role
    except ValueError as error:
        print(f"worker: {error}", file=sys.stderr)
        return 2
    if args.processes > 1:
        from infra.bootstrap import resolve_bootstrap
        from infra.worker_pool import run_pool
        # One broker for all: the children must not each start their own.
        return run_pool(settings, args.processes, args.loglevel, resolve_bootstrap(settings),
                        split=args.split)
    if settings.profile_path:
        from infra.profiling import profiled
        profiled(settings.profile_path, lambda: run_worker(settings, loglevel=args.loglevel))
    else:
        run_worker(settings, loglevel=args.loglevel)
    return 0


def _demo(args, settings: Settings) -> int:
    from infra.demo import run_demo
    return run_demo(settings, args.count, args.serve, args.timeout,
                    whole_loop=not args.reports_only)


def _report(args, settings: Settings) -> int:
    from infra.report_cli import report
    if args.view != "governance" and not settings.store_url and not settings.store.exists():
        print(f"no event store at {settings.store}: run a worker or the demo first",
              file=sys.stderr)
        return 1
    print(report(settings, args.view, args.dimension, args.period, args.format))
    return 0


def _rebuild(args, settings: Settings) -> int:
    from infra.rebuild import rebuild_views
    views, count = rebuild_views(settings)
    print(f"replayed {count} events: {len(views.facts.facts)} incidents; open-incidents view "
          f"saved to {settings.views}")
    return 0


def _feed(args, settings: Settings) -> int:
    from infra.bootstrap import resolve_bootstrap
    from infra.feed_cli import run_feed
    written = run_feed(resolve_bootstrap(settings, start=False), settings.topics.events,
                       args.department, args.follow)
    print(f"{written} events for {args.department}", file=sys.stderr)
    return 0


def _territory_check(args, settings: Settings) -> int:
    from dispatch.territory.demo_city import DATA_FILE
    from infra.territory_cli import territory_check
    text, code = territory_check(args.file or str(DATA_FILE), args.format)
    print(text)
    return code


def _schemas(args, settings: Settings) -> int:
    from dispatch.schemas import SCHEMA_DIR, stale_schemas, write_schemas
    if args.write:
        written = write_schemas()
        print(f"wrote {', '.join(written)}" if written else "all schema files are up to date")
        return 0
    stale = stale_schemas()
    for name in stale:
        print(f"{SCHEMA_DIR / name} is out of date: run `grid-dispatch schemas --write`",
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
