"""A loaded routing policy: its rules compiled, a version, and the fallback queues.

`decide` is the hot path: the rules that can apply to a category at a place are worked
out once and cached (a short list, most specific first); each decision then only checks
the time, source and priority conditions along that list. `LinearPolicy` answers the same
question by scanning every rule, as a reference for tests and benchmarks.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import date

from dispatch.domain.routing import RoutingDecision
from policies.calendar_timeline import CalendarRangeError
from policies.compiled_rule import (CompiledRule, covers_category, in_hours, is_excepted,
                                     why_not)
from policies.model import PolicyDocument
from policies.situation import Situation

DayKind = Callable[[date], str]
CHAIN_CACHE_LIMIT = 500_000


def weekday_kind(day: date) -> str:
    """Without a business calendar: Monday to Friday are workdays."""
    return "workday" if day.weekday() < 5 else "weekend"


def calendar_day_kind(calendar) -> DayKind:
    """The business calendar's kind of day (holidays, make-up workdays); a day outside the
    calendar file's years falls back to plain weekdays, because routing must not stop."""
    def day_kind(day: date) -> str:
        try:
            return calendar.day_kind(day)
        except CalendarRangeError:
            return weekday_kind(day)
    return day_kind


class RoutingPolicy:
    def __init__(self, document: PolicyDocument, rules: Iterable[CompiledRule], version: str,
                 day_kind: DayKind = weekday_kind):
        self.document = document
        self.version = version
        self.rules = sorted(rules, key=_order)
        self.by_id = {rule.id: rule for rule in self.rules}
        self.day_kind = day_kind
        self.source = "<policy>"
        self.rule_lines: dict[str, int | None] = {}
        self.return_limit = document.policy.return_limit
        self._chains: dict[tuple, tuple[CompiledRule, ...]] = {}
        # prefix -> (place key, place value) -> rules: a chain is built from a few lookups.
        self._index: dict[str, dict[tuple[str, str | None], list[CompiledRule]]] = {}
        for rule in self.rules:
            places = self._index.setdefault(rule.prefix, {})
            places.setdefault((rule.place_key, rule.place_value), []).append(rule)

    # -- deciding ------------------------------------------------------------------------
    def decide(self, situation: Situation, excluded: Collection[str] = (),
               returns: int = 0) -> RoutingDecision:
        early = self._before_rules(situation, returns)
        if early is not None:
            return early
        key = situation.place_key()
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chain(situation)
        at = situation.at
        day_kind = None
        for rule in chain:
            if (rule.sources is not None and situation.source not in rule.sources) or \
               (rule.priorities is not None and situation.priority not in rule.priorities) or \
               (excluded and rule.decision.department in excluded):
                continue
            if not rule.is_timeless:
                if rule.starts is not None or rule.ends is not None:
                    day = at.date()
                    if (rule.starts is not None and day < rule.starts) or \
                       (rule.ends is not None and day >= rule.ends):
                        continue
                if rule.days is not None:
                    day_kind = day_kind or self.day_kind(at.date())
                    if day_kind not in rule.days:
                        continue
                if rule.hours is not None and not in_hours(rule, at):
                    continue
            return rule.decision
        return self.manual_queue(situation, "fallback")

    def _before_rules(self, situation: Situation, returns: int) -> RoutingDecision | None:
        """Cases no rule decides: a place with no known owner (city-wide rules cannot be
        assumed to hold there), and an incident returned too often."""
        if situation.grid is None:
            return self.manual_queue(situation, "unresolved-location")
        if returns >= self.return_limit:
            return self.manual_queue(situation, "return-limit")
        return None

    def _chain(self, situation: Situation) -> tuple[CompiledRule, ...]:
        places = [("city", None), ("district", situation.district), ("street", situation.street),
                  ("community", situation.community), ("grid", situation.grid),
                  ("managing_unit", situation.managing_unit),
                  *(("area", area) for area in situation.areas)]
        found = []
        for prefix in _prefixes(situation.category):
            by_place = self._index.get(prefix)
            if by_place:
                for place in places:
                    for rule in by_place.get(place, ()):
                        if (rule.grid_kind is None or rule.grid_kind == situation.grid_kind) \
                                and not (rule.excepted and is_excepted(rule, situation.category)):
                            found.append(rule)
        chain = tuple(sorted(found, key=_order))
        if len(self._chains) >= CHAIN_CACHE_LIMIT:
            self._chains.clear()
        self._chains[situation.place_key()] = chain
        return chain

    def manual_queue(self, situation: Situation, rule_id: str) -> RoutingDecision:
        """Nothing applies: the command centre of the incident's street, else district,
        else the city's, never nowhere."""
        if situation.street:
            queue = f"command-centre:street:{situation.street}"
        elif situation.district:
            queue = f"command-centre:district:{situation.district}"
        else:
            queue = self.document.policy.city_queue
        return RoutingDecision(rule_id=rule_id, policy_version=self.version,
                               sla_class=self.document.policy.default_sla_class,
                               manual_queue=queue)

    def candidates(self, category: str) -> list[CompiledRule]:
        return [rule for rule in self.rules if covers_category(rule, category)]


class LinearPolicy(RoutingPolicy):
    """The same answers by brute force: every rule checked, the most specific kept."""

    def decide(self, situation: Situation, excluded: Collection[str] = (),
               returns: int = 0) -> RoutingDecision:
        early = self._before_rules(situation, returns)
        if early is not None:
            return early
        day_kind = self.day_kind(situation.at.date())
        best = None
        for rule in self.rules:
            if rule.decision.department in excluded or why_not(rule, situation, day_kind):
                continue
            if best is None or rule.specificity > best.specificity or \
                    (rule.specificity == best.specificity and rule.id < best.id):
                best = rule
        return best.decision if best else self.manual_queue(situation, "fallback")


def _order(rule: CompiledRule) -> tuple:
    """Most specific first; equally specific rules by id, so ties always break the same way."""
    return tuple(-x for x in rule.specificity), rule.id


def _prefixes(category: str) -> list[str]:
    parts = category.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)] + ["*"]
