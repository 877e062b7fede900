"""Run the benchmarks: `python -m benchmarks [--smoke] [--count N]`."""
from __future__ import annotations

import argparse

from benchmarks.end_to_end import run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--count", type=int, default=20_000, help="incidents per path (20000)")
    parser.add_argument("--smoke", action="store_true",
                        help="a few hundred incidents: checks the benchmark works, measures nothing")
    args = parser.parse_args()
    run(500 if args.smoke else args.count)


if __name__ == "__main__":
    main()
