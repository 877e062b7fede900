"""Run the benchmarks: `python -m benchmarks [--smoke] [--only NAME] [--count N]`."""
from __future__ import annotations

import argparse
import logging

from benchmarks import end_to_end, policy_decisions


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", choices=["policy", "end-to-end"], default=None)
    parser.add_argument("--count", type=int, default=None,
                        help="incidents (end to end: 20000; policy: 200000)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes: checks that the benchmarks run, measures nothing")
    args = parser.parse_args()
    # A fresh broker's first requests get retriable errors that aiokafka logs and retries;
    # they are noise in a table.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    if args.only in (None, "policy"):
        policy_decisions.run(2_000 if args.smoke else args.count or 200_000,
                             linear_count=200 if args.smoke else 2_000)
    if args.only in (None, "end-to-end"):
        end_to_end.run(500 if args.smoke else args.count or 20_000)


if __name__ == "__main__":
    main()
