"""`policy check`: what is wrong with a policy, and what it leaves uncovered, on a territory.

Errors: references to departments, places or categories that do not exist. Warnings:
rules that can never fire (every case they cover is taken by a more specific rule that
covers it whole), and coverage gaps: leaf categories that some active grids would send to
a manual queue. (Schema errors and unresolvable ties are refused earlier, at load.) Given
the business calendar, also whether it covers the day checked and the quarter after it
(policies/calendar_coverage.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from policies.calendar import BusinessCalendar
from policies.calendar_coverage import calendar_coverage
from policies.catalogue import Catalogue
from policies.compiled_rule import CompiledRule
from policies.coverage import coverage_gaps
from policies.routing_policy import RoutingPolicy
from policies.shadowing import shadowed_rules


@dataclass
class PolicyCheckReport:
    source: str
    version: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coverage: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def render(self) -> str:
        lines = [f"policy check: {self.source} ({self.version})",
                 f"result: {'OK' if self.ok else 'FAILED'}: {len(self.errors)} error(s), "
                 f"{len(self.warnings)} warning(s)"]
        for title, items in (("errors", self.errors), ("warnings", self.warnings),
                             ("coverage", self.coverage)):
            if items:
                lines += ["", f"{title} ({len(items)})", *(f"  {item}" for item in items)]
        return "\n".join(lines)


def check_policy(policy: RoutingPolicy, view, catalogue: Catalogue, at: datetime,
                 calendar: BusinessCalendar | None = None) -> PolicyCheckReport:
    report = PolicyCheckReport(policy.source, policy.version)
    report.errors += unknown_references(policy, view, catalogue)
    if calendar is not None:
        coverage = calendar_coverage(calendar, at.date())
        report.errors += coverage.errors
        report.warnings += coverage.warnings
    for rule, blockers in shadowed_rules(policy, view, catalogue, at):
        names = sorted(blockers)
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        report.warnings.append(f"{where(policy, rule)}: rule {rule.id!r} can never fire: "
                               f"more specific rules take every case it covers ({shown})")
    report.coverage += coverage_gaps(policy, grid_places(view, at), catalogue, at)
    return report


def grid_places(view, at: datetime) -> dict[str, object]:
    """One resolution per active grid on `at`: the places a policy must answer for."""
    return {grid.code: view.by_grid(grid.code, at) for grid in view.active_grids(at)}


def unknown_references(policy: RoutingPolicy, view, catalogue: Catalogue) -> list[str]:
    known = {"department": set(view.departments), "grid": set(view.grids),
             "community": set(view.communities), "street": set(view.streets),
             "district": set(view.districts), "area": set(view.overlays),
             "managing_unit": set(view.departments)}
    problems = []
    for rule in policy.rules:
        for department in (rule.department, *rule.decision.co_handling):
            if department not in known["department"]:
                problems.append(f"{where(policy, rule)}: rule {rule.id!r}: department "
                                f"{department!r} is not a department of the territory")
        if rule.place_key != "city" and rule.place_value not in known[rule.place_key]:
            problems.append(f"{where(policy, rule)}: rule {rule.id!r}: scope.{rule.place_key} "
                            f"{rule.place_value!r} is not in the territory")
        if rule.prefix != "*" and rule.prefix not in catalogue:
            problems.append(f"{where(policy, rule)}: rule {rule.id!r}: category "
                            f"{rule.prefix!r} is not in the category catalogue")
    return problems


def where(policy: RoutingPolicy, rule: CompiledRule) -> str:
    line = policy.rule_lines.get(rule.id)
    return f"{policy.source}:{line}" if line else policy.source

