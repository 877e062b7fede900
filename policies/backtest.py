"""Replay recorded incidents through a candidate policy and report what would change.

Pure: it takes situations and two policies, touches no store, and answers how many
incidents would go elsewhere, where they would move, and each department's load before
and after.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from policies.routing_policy import RoutingPolicy
from policies.situation import Situation


@dataclass
class BacktestReport:
    current_version: str
    candidate_version: str
    total: int = 0
    changed: int = 0
    moves: Counter = field(default_factory=Counter)          # (before, after) -> count
    load_before: Counter = field(default_factory=Counter)
    load_after: Counter = field(default_factory=Counter)

    def render(self) -> str:
        share = self.changed / self.total if self.total else 0.0
        lines = [f"policy {self.current_version} -> {self.candidate_version}: {self.total} incidents, "
                 f"{self.changed} would go elsewhere ({share:.1%})", "",
                 f"{'department / queue':<44} {'before':>7} {'after':>7} {'change':>7}"]
        for target in sorted(set(self.load_before) | set(self.load_after),
                             key=lambda t: (-self.load_after[t], t)):
            before, after = self.load_before[target], self.load_after[target]
            lines.append(f"{target:<44} {before:>7} {after:>7} {after - before:>+7}")
        if self.moves:
            lines += ["", "largest moves:"]
            lines += [f"  {count:>6}  {before} -> {after}"
                      for (before, after), count in self.moves.most_common(15)]
        return "\n".join(lines)


def backtest(situations: Iterable[Situation], current: RoutingPolicy,
             candidate: RoutingPolicy) -> BacktestReport:
    report = BacktestReport(current.version, candidate.version)
    for situation in situations:
        before = current.decide(situation).target
        after = candidate.decide(situation).target
        report.total += 1
        report.load_before[before] += 1
        report.load_after[after] += 1
        if before != after:
            report.changed += 1
            report.moves[(before, after)] += 1
    return report
