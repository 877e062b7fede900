"""Run the benchmarks: `python -m benchmarks [--smoke] [--only NAME] [--count N]`."""
from __future__ import annotations

import argparse
import logging

from benchmarks import end_to_end, policy_decisions, rebuild

SIZES = {  # name: (default, smoke)
    "policy": (200_000, 2_000),
    "rebuild": (140_000, 1_000),     # incidents; about 7 events each: over 1,000,000 events
    "end-to-end": (20_000, 500),
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", choices=list(SIZES), default=None)
    parser.add_argument("--count", type=int, default=None,
                        help="size for the chosen benchmark (incidents / decisions)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes: checks that the benchmarks run, measures nothing")
    args = parser.parse_args()
    # A fresh broker's first requests get retriable errors that aiokafka logs and retries;
    # they are noise in a table.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    for name in ([args.only] if args.only else list(SIZES)):
        default, smoke = SIZES[name]
        size = smoke if args.smoke else args.count or default
        if name == "policy":
            policy_decisions.run(size, linear_count=200 if args.smoke else 2_000)
        elif name == "rebuild":
            rebuild.run(size)
        else:
            end_to_end.run(size)


if __name__ == "__main__":
    main()
