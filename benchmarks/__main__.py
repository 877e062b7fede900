"""Run the benchmarks: `python -m benchmarks [--smoke] [--only NAME] [--count N]`; the
end-to-end benchmark also takes `--store postgres` and `--paths one,two,split`;
the latency benchmark also takes `--rate R --seconds S [--warmup S] [--profile]
[--processes N] [--split | --no-split]` (by default the goal's set-up: two processes, split)."""
from __future__ import annotations

import argparse
import logging

from benchmarks import end_to_end, gc_pauses, latency, policy_decisions, rebuild

SIZES = {  # name: (default, smoke)
    "policy": (200_000, 2_000),
    "rebuild": (140_000, 1_000),     # incidents; about 7 events each: over 1,000,000 events
    "gc": (60_000, 300),             # incidents fed to live views
    "end-to-end": (20_000, 500),
    "latency": (2_000, 200),         # reports per second, for --seconds (10; smoke: 1)
}


def engine_paths(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in end_to_end.ENGINE_PATHS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or 'nothing'}: expected some of "
            f"{', '.join(end_to_end.ENGINE_PATHS)}, separated by commas")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", choices=list(SIZES), default=None)
    parser.add_argument("--count", type=int, default=None,
                        help="size for the chosen benchmark (incidents / decisions; "
                             "latency takes --rate)")
    parser.add_argument("--rate", type=float, default=None,
                        help="latency: reports per second (default 2,000)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="latency: how long to publish at that rate (default 10)")
    parser.add_argument("--profile", action="store_true",
                        help="latency: run the worker under cProfile and show where time goes")
    parser.add_argument("--warmup", type=float, default=30.0,
                        help="latency: seconds of raw traffic to warm the broker first (default 30)")
    parser.add_argument("--processes", type=int, default=2,
                        help="latency: worker processes sharing the store (default 2, the "
                             "set-up the goal is measured on)")
    parser.add_argument("--split", action=argparse.BooleanOptionalAction, default=None,
                        help="latency: with --processes N, one outbound worker and N-1 inbound "
                             "(worker --split; the default with 2 or more)")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                        help="end-to-end: the workers' event store (postgres: a server of "
                             "the benchmark's own, started for the run)")
    parser.add_argument("--paths", type=engine_paths, default=tuple(end_to_end.ENGINE_PATHS),
                        help="end-to-end: which worker set-ups to run, of "
                             f"{','.join(end_to_end.ENGINE_PATHS)} (one process, two, two "
                             "split by role; default all; raw always runs)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes: checks that the benchmarks run, measures nothing")
    args = parser.parse_args()
    if args.split and args.processes < 2:
        parser.error("--split needs --processes 2 or more")
    if args.split is None:
        args.split = args.processes >= 2
    # A fresh broker's first requests get retriable errors that aiokafka logs and retries;
    # they are noise in a table.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    for name in ([args.only] if args.only else list(SIZES)):
        default, smoke = SIZES[name]
        size = smoke if args.smoke else (args.rate if name == "latency" else args.count) or default
        if name == "policy":
            policy_decisions.run(size, linear_count=200 if args.smoke else 2_000)
        elif name == "rebuild":
            rebuild.run(size)
        elif name == "gc":
            gc_pauses.run(size)
        elif name == "latency":
            latency.run(size, 1.0 if args.smoke else args.seconds, profile=args.profile,
                        processes=args.processes, split=args.split,
                        warmup=0.0 if args.smoke else args.warmup)
        else:
            end_to_end.run(size, store=args.store, paths=args.paths)


if __name__ == "__main__":
    main()
