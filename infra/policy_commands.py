"""`grid-dispatch policy check | explain | backtest` (the work is in infra/policy_cli.py)."""
from __future__ import annotations

from infra.settings import Settings


def add_parser(commands) -> None:
    policy = commands.add_parser("policy", help="check, explain and backtest routing policies")
    policy_actions = policy.add_subparsers(title="actions", metavar="ACTION", required=True)
    check_policy = policy_actions.add_parser(
        "check", help="errors, unknown references, rules that never fire, coverage gaps")
    check_policy.add_argument("file", nargs="?", default=None,
                              help="policy TOML (default: GRID_DISPATCH_POLICY or the demo policy)")
    check_policy.add_argument("--at", default=None, help="check as of this time (default: now)")
    check_policy.set_defaults(run=_policy_check)
    explain = policy_actions.add_parser("explain", help="why an incident would go where it goes")
    explain.add_argument("--category", required=True)
    explain.add_argument("--location", required=True,
                         help="G0001 | QR-0001-001 | 31.2,121.5 (lat,lon) | key=value,...")
    explain.add_argument("--at", default=None, help="local time, e.g. 2027-01-02T23:30 (default: now)")
    explain.add_argument("--source", default="hotline")
    explain.add_argument("--priority", default="normal")
    explain.set_defaults(run=_policy_explain)
    backtest = policy_actions.add_parser(
        "backtest", help="replay recorded reports through a candidate policy; nothing is stored")
    backtest.add_argument("--policy", required=True, help="the candidate policy TOML")
    source = backtest.add_mutually_exclusive_group(required=True)
    source.add_argument("--events", help="JSON lines of IncidentReported")
    source.add_argument("--from-store", action="store_true", help="the reports in the event store")
    backtest.set_defaults(run=_policy_backtest)


def _policy_check(args, settings: Settings) -> int:
    from infra.policy_cli import policy_check
    text, code = policy_check(settings, args.file, args.at)
    print(text)
    return code


def _policy_explain(args, settings: Settings) -> int:
    from infra.policy_cli import policy_explain
    print(policy_explain(settings, args.category, args.location, args.at, args.source,
                         args.priority))
    return 0


def _policy_backtest(args, settings: Settings) -> int:
    from infra.policy_cli import policy_backtest
    print(policy_backtest(settings, args.policy, args.events, args.from_store))
    return 0
