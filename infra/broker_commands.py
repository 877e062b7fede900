"""`grid-dispatch broker start | stop | status`: the local single-node Kafka broker."""
from __future__ import annotations

import sys

from infra.settings import Settings


def add_parser(commands) -> None:
    broker = commands.add_parser("broker", help="the local single-node Kafka broker")
    actions = broker.add_subparsers(title="actions", metavar="ACTION", required=True)
    for name, run, text in [("start", _broker_start, "start it (idempotent); print the bootstrap address"),
                            ("stop", _broker_stop, "stop it"),
                            ("status", _broker_status, "say whether it runs, and where")]:
        actions.add_parser(name, help=text, description=text).set_defaults(run=run)


def _broker_start(args, settings: Settings) -> int:
    from infra.bootstrap import resolve_bootstrap
    print(resolve_bootstrap(settings, start=True))
    return 0


def _broker_stop(args, settings: Settings) -> int:
    from infra.bootstrap import local_broker
    if settings.bootstrap_servers:
        print("KAFKA_BOOTSTRAP_SERVERS is set: that cluster is not ours to stop", file=sys.stderr)
        return 1
    print("stopped" if local_broker(settings).stop() else "not running")
    return 0


def _broker_status(args, settings: Settings) -> int:
    from infra.bootstrap import local_broker
    from infra.kafka_probe import metadata_answers
    if settings.bootstrap_servers:
        answers = metadata_answers(settings.bootstrap_servers)
        print(f"external cluster {settings.bootstrap_servers}: {'answering' if answers else 'not answering'}")
        return 0 if answers else 1
    status = local_broker(settings).status()
    if status.running:
        print(f"running: {status.bootstrap} (pid {status.pid}, state {status.state_dir})")
        return 0
    print(f"not running (state {status.state_dir})")
    return 3
