"""The `grid-dispatch` command line.

It only assembles the commands, each defined with the work it starts (infra/*_commands.py,
infra/simulate_cli.py), in the order `grid-dispatch --help` lists them.
"""
from __future__ import annotations

import argparse
import sys

from infra import (broker_commands, check_commands, engine_commands, policy_commands,
                   read_commands, simulate_cli)
from infra.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args, Settings.from_env()) or 0
    except Exception as error:
        if not _no_broker(error):
            raise
        command = next((a for a in (sys.argv[1:] if argv is None else argv)
                        if not a.startswith("-")), "")
        print(f"grid-dispatch {command}: no Kafka broker answered ({error}); is one running? "
              "(`grid-dispatch broker status`; KAFKA_BOOTSTRAP_SERVERS names another)",
              file=sys.stderr)
        return 1


def _no_broker(error: Exception) -> bool:
    """Whether the command failed because no broker answered (a line, not a traceback)."""
    from aiokafka.errors import KafkaConnectionError  # (only when something failed)
    return isinstance(error, KafkaConnectionError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grid-dispatch",
        description="Event-sourced incident dispatch for city grid governance.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    broker_commands.add_parser(commands)
    engine_commands.add_topics_parser(commands)
    engine_commands.add_worker_parser(commands)
    simulate_cli.add_parser(commands)
    engine_commands.add_demo_parser(commands)
    read_commands.add_report_parser(commands)
    policy_commands.add_parser(commands)
    read_commands.add_feed_parser(commands)
    check_commands.add_territory_parser(commands)
    check_commands.add_schemas_parser(commands)
    read_commands.add_rebuild_parser(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
