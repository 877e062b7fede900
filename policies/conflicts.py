"""Rules that tie: equally specific, able to match the same incident, with different answers.

Such a tie cannot be resolved by the engine, so loading refuses the policy and names both
rules. Equal answers are not a conflict (just redundant).
"""
from __future__ import annotations

from itertools import combinations

from policies.compiled_rule import CompiledRule


def conflicts(rules: list[CompiledRule]) -> list[tuple[CompiledRule, CompiledRule]]:
    groups: dict[tuple, list[CompiledRule]] = {}
    for rule in rules:
        key = (rule.prefix, rule.place_key, rule.place_value, rule.grid_kind, rule.specificity)
        groups.setdefault(key, []).append(rule)
    found = []
    for group in groups.values():
        for first, second in combinations(group, 2):
            if _answers(first) != _answers(second) and can_both_match(first, second):
                found.append((first, second))
    return found


def can_both_match(a: CompiledRule, b: CompiledRule) -> bool:
    return (_sets_meet(a.sources, b.sources) and _sets_meet(a.priorities, b.priorities)
            and _sets_meet(a.days, b.days) and _hours_meet(a.hours, b.hours)
            and _dates_meet(a, b))


def _answers(rule: CompiledRule) -> tuple:
    d = rule.decision
    return d.department, d.co_handling, d.sla_class


def _sets_meet(a: frozenset | None, b: frozenset | None) -> bool:
    return a is None or b is None or bool(a & b)


def _hours_meet(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    if a is None or b is None:
        return True
    minutes_a, minutes_b = window_minutes(a), window_minutes(b)
    return bool(minutes_a & minutes_b)


def window_minutes(window: tuple[int, int]) -> set[int]:
    start, end = window
    return set(range(start, end)) if start < end else set(range(start, 1440)) | set(range(0, end))


def _dates_meet(a: CompiledRule, b: CompiledRule) -> bool:
    starts = max((d for d in (a.starts, b.starts) if d is not None), default=None)
    ends = min((d for d in (a.ends, b.ends) if d is not None), default=None)
    return starts is None or ends is None or starts < ends
