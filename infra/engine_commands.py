"""`grid-dispatch topics | worker | demo`: setting up and running the engine.

Apart from infra/cli.py, which only assembles the commands: what `worker` accepts (processes,
a split, a role) is checked here, before anything starts.
"""
from __future__ import annotations

import sys
from dataclasses import replace

from infra.settings import WORKER_ROLES, Settings


def add_topics_parser(commands) -> None:
    topics = commands.add_parser("topics", help="create the contract topics (idempotent)")
    topics.set_defaults(run=_topics)


def add_worker_parser(commands) -> None:
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


def add_demo_parser(commands) -> None:
    demo = commands.add_parser("demo", help="broker + worker + simulated city, end to end")
    demo.add_argument("--count", type=int, default=3000, help="reports to publish (3000)")
    demo.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for dispatch")
    demo.add_argument("--serve", action="store_true", help="keep the worker running afterwards")
    demo.add_argument("--reports-only", action="store_true",
                      help="only publish and dispatch; no simulated departments closing the loop")
    demo.set_defaults(run=_demo)


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
