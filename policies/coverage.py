"""Coverage: which leaf categories, in which active grids, no rule gives a responsible unit.

Such incidents are not lost (they wait in the street's manual queue), but each one is a
person's work that a rule could do, so city staff want the list.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from policies.catalogue import Catalogue
from policies.routing_policy import RoutingPolicy
from policies.situation import situation_from


def coverage_gaps(policy: RoutingPolicy, places: dict, catalogue: Catalogue,
                  at: datetime, shown: int = 8) -> list[str]:
    uncovered: dict[str, set[str]] = defaultdict(set)   # leaf category -> grids
    for category in catalogue.leaves:
        for grid, place in places.items():
            decision = policy.decide(situation_from(place, category, "hotline", "normal", at))
            if decision.department is None:
                uncovered[category].add(grid)
    lines = []
    for top in catalogue.top_levels:
        leaves = [c for c in catalogue.leaves if c.split(".", 1)[0] == top]
        gaps = {c: uncovered[c] for c in leaves if uncovered.get(c)}
        if not gaps:
            lines.append(f"{top}: every leaf category has a responsible unit in every grid")
            continue
        lines.append(f"{top}: {len(gaps)} of {len(leaves)} leaf categories go to a manual "
                     f"queue somewhere")
        for category, grids in sorted(gaps.items())[:shown]:
            sample = ", ".join(sorted(grids)[:5]) + (" ..." if len(grids) > 5 else "")
            lines.append(f"  {category}: {len(grids)} of {len(places)} grids ({sample})")
    return lines
