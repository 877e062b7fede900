"""Rules that can never fire: every case they cover is taken by a more specific rule.

For each rule, every place and catalogue category it covers is tried on a day it is in
force; at each, the rules ahead of it (more specific) are looked at. The rule is reported
only when at every one of them some single rule ahead covers all of its conditions, so
what is reported is certain (a rule blocked only by several partial rules together is not
reported).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from policies.catalogue import Catalogue
from policies.compiled_rule import CompiledRule, covers_category, covers_place
from policies.conflicts import window_minutes
from policies.routing_policy import RoutingPolicy
from policies.situation import situation_from


def shadowed_rules(policy: RoutingPolicy, view, catalogue: Catalogue,
                   at: datetime) -> Iterator[tuple[CompiledRule, set[str]]]:
    places_by_day: dict = {}
    for rule in policy.rules:
        day = _a_day_in_force(rule, at)
        if day not in places_by_day:
            places_by_day[day] = [view.by_grid(g.code, day) for g in view.active_grids(day)]
        blockers: set[str] = set()
        tried = fired = False
        for category in catalogue.under(rule.prefix):
            if not covers_category(rule, category):
                continue  # excepted from it
            for place in places_by_day[day]:
                situation = situation_from(place, category, "hotline", "normal", day)
                if not covers_place(rule, situation):
                    continue
                tried = True
                chain = policy._chain(situation)
                ahead = chain[:chain.index(rule)]
                blocker = next((other for other in ahead if covers_whole(other, rule)), None)
                if blocker is None:
                    fired = True
                    break
                blockers.add(blocker.id)
            if fired:
                break
        if tried and not fired:
            yield rule, blockers


def covers_whole(other: CompiledRule, rule: CompiledRule) -> bool:
    """`other` applies wherever (in conditions and dates) `rule` applies."""
    def subset(mine, theirs) -> bool:
        return theirs is None or (mine is not None and mine <= theirs)

    hours = other.hours is None or (rule.hours is not None
                                    and window_minutes(rule.hours) <= window_minutes(other.hours))
    starts = other.starts is None or (rule.starts is not None and rule.starts >= other.starts)
    ends = other.ends is None or (rule.ends is not None and rule.ends <= other.ends)
    return (subset(rule.sources, other.sources) and subset(rule.priorities, other.priorities)
            and subset(rule.days, other.days) and hours and starts and ends)


def _a_day_in_force(rule: CompiledRule, at: datetime) -> datetime:
    if rule.starts and at.date() < rule.starts:
        return at.replace(year=rule.starts.year, month=rule.starts.month, day=rule.starts.day)
    if rule.ends and at.date() >= rule.ends:
        return at.replace(year=rule.ends.year, month=rule.ends.month, day=rule.ends.day) - timedelta(days=1)
    return at
