"""One rule, compiled: plain fields for fast checks, its specificity, and its decision.

Specificity orders rules from most to least specific, lexicographically:
  0. charters first: inside an exclusive grid its managing unit takes what its charter
     lists, whatever other rules say (the rest falls through to them),
  1. category depth (segments of the prefix; `*` is 0),
  2. place level: city 0 < district 1 < street 2 < named area 3 < community 4 < grid or
     managing unit 5,
  3. narrowed to a grid kind,
  4. the number of other conditions (source, priority, hours, days),
  5. the explicit `precedence`.
A specific kind of incident goes to the specialised department before a place-specific
catch-all does; within a kind, the smallest place wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dispatch.domain.routing import RoutingDecision
from policies.model import Rule
from policies.situation import Situation

PLACE_LEVEL = {"city": 0, "district": 1, "street": 2, "area": 3, "community": 4, "grid": 5,
               "managing_unit": 5}


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    prefix: str
    place_key: str
    place_value: str | None
    grid_kind: str | None
    sources: frozenset[str] | None
    priorities: frozenset[str] | None
    hours: tuple[int, int] | None       # minutes after midnight, [start, end)
    days: frozenset[str] | None
    starts: date | None
    ends: date | None
    decision: RoutingDecision
    specificity: tuple[int, int, int, int, int, int]
    excepted: tuple[str, ...] = ()      # categories under `prefix` that it leaves alone

    @property
    def department(self) -> str:
        return self.decision.department  # type: ignore[return-value]

    @property
    def is_timeless(self) -> bool:
        return self.hours is None and self.days is None and self.starts is None and self.ends is None


def compile_rule(rule: Rule, version: str, default_sla: str,
                 place: tuple[str, str | None] | None = None, charter: bool = False,
                 excepted: tuple[str, ...] = ()) -> CompiledRule:
    place_key, place_value = place or rule.scope.place
    conditions = sum(x is not None for x in (rule.source, rule.priority, rule.hours, rule.days))
    depth = 0 if rule.category == "*" else rule.category.count(".") + 1
    return CompiledRule(
        id=rule.id, prefix=rule.category, place_key=place_key, place_value=place_value,
        grid_kind=rule.scope.grid_kind,
        sources=frozenset(rule.source) if rule.source else None,
        priorities=frozenset(rule.priority) if rule.priority else None,
        hours=(_minutes(rule.hours.start), _minutes(rule.hours.end)) if rule.hours else None,
        days=frozenset(rule.days) if rule.days else None,
        starts=rule.effective.start, ends=rule.effective.end,
        decision=RoutingDecision(rule_id=rule.id, policy_version=version,
                                 sla_class=rule.sla_class or default_sla,
                                 department=rule.department, co_handling=rule.co_handling),
        specificity=(int(charter), depth, PLACE_LEVEL[place_key], rule.scope.grid_kind is not None,
                     conditions, rule.precedence),
        excepted=excepted,
    )


def _minutes(value) -> int:
    return value.hour * 60 + value.minute


def covers_category(rule: CompiledRule, category: str) -> bool:
    prefix = rule.prefix
    covered = prefix == "*" or category == prefix or category.startswith(prefix + ".")
    return covered and not (rule.excepted and is_excepted(rule, category))


def is_excepted(rule: CompiledRule, category: str) -> bool:
    return any(category == e or category.startswith(e + ".") for e in rule.excepted)


def covers_place(rule: CompiledRule, situation: Situation) -> bool:
    key, value = rule.place_key, rule.place_value
    if key == "city":
        hit = True
    elif key == "area":
        hit = value in situation.areas
    else:
        hit = getattr(situation, key) == value
    return hit and (rule.grid_kind is None or rule.grid_kind == situation.grid_kind)


def in_force(rule: CompiledRule, day: date) -> bool:
    return (rule.starts is None or day >= rule.starts) and (rule.ends is None or day < rule.ends)


def in_hours(rule: CompiledRule, at: datetime) -> bool:
    start, end = rule.hours  # type: ignore[misc]
    minute = at.hour * 60 + at.minute
    return start <= minute < end if start < end else (minute >= start or minute < end)


def why_not(rule: CompiledRule, situation: Situation, day_kind: str) -> str | None:
    """None when the rule applies to the situation; else the first reason it does not."""
    if not covers_category(rule, situation.category):
        if rule.excepted and is_excepted(rule, situation.category):
            return f"category {situation.category} is excepted from it"
        return f"category {situation.category} is not under {rule.prefix}"
    if not covers_place(rule, situation):
        where = "the city" if rule.place_key == "city" else f"{rule.place_key} {rule.place_value}"
        kind = f" ({rule.grid_kind} grids)" if rule.grid_kind else ""
        return f"the place is not in {where}{kind}"
    if rule.sources is not None and situation.source not in rule.sources:
        return f"source {situation.source} is not one of {sorted(rule.sources)}"
    if rule.priorities is not None and situation.priority not in rule.priorities:
        return f"priority {situation.priority} is not one of {sorted(rule.priorities)}"
    if not in_force(rule, situation.at.date()):
        return f"not in force on {situation.at.date()} (from {rule.starts}, until {rule.ends})"
    if rule.hours is not None and not in_hours(rule, situation.at):
        start, end = rule.hours
        return f"{situation.at:%H:%M} is outside {start // 60:02}:{start % 60:02}–{end // 60:02}:{end % 60:02}"
    if rule.days is not None and day_kind not in rule.days:
        return f"a {day_kind} is not one of {sorted(rule.days)}"
    return None
