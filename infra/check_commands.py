"""`grid-dispatch territory check | schemas`: checking the data files the engine is given
and the contracts' JSON Schema files; neither needs a broker or a store.

Apart from infra/cli.py, which only assembles the commands; the work is in
infra/territory_cli.py and dispatch/schemas.py.
"""
from __future__ import annotations

import sys

from infra.settings import Settings


def add_territory_parser(commands) -> None:
    territory = commands.add_parser("territory", help="the city's grids, places and people")
    territory_actions = territory.add_subparsers(title="actions", metavar="ACTION", required=True)
    check = territory_actions.add_parser(
        "check", help="validate a territory file: overlaps, gaps, vacant grids, multi-grid workers")
    check.add_argument("file", nargs="?", default=None,
                       help="territory JSON (default: the shipped demo city)")
    check.add_argument("--format", choices=["table", "json"], default="table")
    check.set_defaults(run=_territory_check)


def add_schemas_parser(commands) -> None:
    schemas = commands.add_parser("schemas", help="check or write the contracts' JSON Schema files")
    schemas.add_argument("--write", action="store_true", help="rewrite the stale files")
    schemas.set_defaults(run=_schemas)


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
