"""Load a routing policy file: TOML → validated model → compiled, versioned policy.

Every error names the file, the line, the field and the value. The version is the content
hash of the file, so every decision can name exactly which text made it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from policies.compiled_rule import CompiledRule, compile_rule
from policies.conflicts import conflicts
from policies.model import Charter, PolicyDocument, Rule, Scope
from policies.config_file import ConfigError, parse_config
from policies.routing_policy import DayKind, RoutingPolicy, weekday_kind
from policies.toml_lines import key_lines, line_of

DEMO_POLICY = Path(__file__).parent / "data" / "demo_policy.toml"


class PolicyError(ConfigError):
    """A policy that cannot be loaded; each problem names file, line, field and value."""


def load_policy(path: Path | str = DEMO_POLICY, day_kind: DayKind = weekday_kind) -> RoutingPolicy:
    path = Path(path)
    raw = path.read_bytes()
    return parse_policy(raw, source=str(path), day_kind=day_kind)


def parse_policy(raw: bytes, source: str = "<policy>",
                 day_kind: DayKind = weekday_kind) -> RoutingPolicy:
    try:
        document = parse_config(PolicyDocument, raw, source)
    except ConfigError as error:
        raise PolicyError(error.problems) from None
    lines = key_lines(raw.decode("utf-8"))
    version = "sha256:" + hashlib.sha256(raw).hexdigest()[:16]
    rules = compile_document(document, version)
    _refuse_duplicate_ids(rules, source)
    ties = conflicts(rules)
    if ties:
        raise PolicyError([
            f"{source}:{_rule_line(lines, document, a.id)}: rule {a.id!r} conflicts with rule "
            f"{b.id!r} (line {_rule_line(lines, document, b.id)}): equally specific, both can "
            f"match, different answers ({a.department} vs {b.department}); "
            "narrow one or give one a higher precedence" for a, b in ties])
    policy = RoutingPolicy(document, rules, version, day_kind)
    policy.source = source
    policy.rule_lines = {rule.id: line_of(lines, ("rule", n, "id")) for n, rule in enumerate(document.rules)}
    for n, charter in enumerate(document.charters):
        for category in charter.categories:
            policy.rule_lines[charter_rule_id(charter, category)] = \
                line_of(lines, ("charter", n, "managing_unit"))
    return policy


def compile_document(document: PolicyDocument, version: str) -> list[CompiledRule]:
    default_sla = document.policy.default_sla_class
    rules = [compile_rule(rule, version, default_sla) for rule in document.rules]
    for charter in document.charters:
        rules.extend(_charter_rules(charter, version, default_sla))
    return rules


def charter_rule_id(charter: Charter, category: str) -> str:
    since = f"@{charter.effective.start}" if charter.effective.start else ""
    return f"charter:{charter.managing_unit}{since}:{category}"


def _charter_rules(charter: Charter, version: str, default_sla: str) -> list[CompiledRule]:
    # Built without re-validation: the charter was validated, and its ids may be long.
    return [compile_rule(Rule.model_construct(
                id=charter_rule_id(charter, category), category=category, scope=Scope(),
                source=None, priority=None, hours=None, days=None, effective=charter.effective,
                department=charter.managing_unit, co_handling=(), sla_class=charter.sla_class,
                precedence=0, note=""),
            version, default_sla, place=("managing_unit", charter.managing_unit), charter=True,
            excepted=charter.exceptions)
            for category in charter.categories]


def _refuse_duplicate_ids(rules: list[CompiledRule], source: str) -> None:
    seen: set[str] = set()
    twice = sorted({rule.id for rule in rules if rule.id in seen or seen.add(rule.id)})
    if twice:
        raise PolicyError([f"{source}: rule id {rule_id!r} is given twice (charters compile to "
                           "ids 'charter:<unit>[@<from>]:<category>')" for rule_id in twice])


def _rule_line(lines: dict, document: PolicyDocument, rule_id: str) -> int | str:
    for index, rule in enumerate(document.rules):
        if rule.id == rule_id:
            return line_of(lines, ("rule", index, "id")) or "?"
    return "?"
