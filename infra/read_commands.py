"""`grid-dispatch report | feed | rebuild`: what the engine recorded, read back: reports and
rebuilt views from the event store, a department's tickets from the shared log.

Apart from infra/cli.py, which only assembles the commands; the work is in
infra/report_cli.py, infra/feed_cli.py and infra/rebuild.py.
"""
from __future__ import annotations

import sys

from infra.settings import Settings


def add_report_parser(commands) -> None:
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


def add_feed_parser(commands) -> None:
    feed = commands.add_parser(
        "feed", help="one department's tickets from incidents.events, as JSON lines")
    feed.add_argument("department", help="department code, e.g. urban-management")
    feed.add_argument("--follow", action="store_true", help="keep reading new events")
    feed.set_defaults(run=_feed)


def add_rebuild_parser(commands) -> None:
    rebuild = commands.add_parser("rebuild", help="rebuild the views by replaying the event store")
    rebuild.set_defaults(run=_rebuild)


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
