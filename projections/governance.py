"""Grid governance: 网格创建达标率, vacant grids, workers on several grids, staffing.

compliance_rate = filed (active) grids that meet the standard ÷ filed (active) grids, where
the standard (policies/data/evaluation.toml) asks for enough full-time workers, none of
them spread over too many grids, and registered addresses.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from dispatch.territory.staffing import holders, multi_grid_workers
from dispatch.territory.values import Employment
from projections.tally import percent
from policies.scoring import GovernanceStandard


@dataclass
class GovernanceRow:
    active_grids: int = 0
    compliant_grids: int = 0
    vacant_grids: int = 0
    full_time_workers: set = field(default_factory=set)
    part_time_workers: set = field(default_factory=set)

    def as_dict(self) -> dict:
        return {"active_grids": self.active_grids, "compliant_grids": self.compliant_grids,
                "compliance_rate": percent(self.compliant_grids, self.active_grids),
                "vacant_grids": self.vacant_grids,
                "full_time_workers": len(self.full_time_workers),
                "part_time_workers": len(self.part_time_workers)}


@dataclass
class GovernanceReport:
    day: date
    by_district: dict[str, GovernanceRow]
    by_street: dict[str, GovernanceRow]
    city: GovernanceRow
    vacant: list[str]
    multi_grid_workers: dict[str, list[str]]


def governance(view, day: date, standard: GovernanceStandard) -> GovernanceReport:
    held = holders(view, day)
    spread = Counter(worker for workers in held.values() for worker in workers)
    addresses = Counter(a.grid_at(day) for a in view.addresses.values())
    by_district: dict[str, GovernanceRow] = defaultdict(GovernanceRow)
    by_street: dict[str, GovernanceRow] = defaultdict(GovernanceRow)
    city, vacant = GovernanceRow(), []
    for grid, workers in sorted(held.items()):
        street = view.grids[grid].responsibility_at(day).street
        district = view.streets[street].district if street in view.streets else None
        full = [w for w in workers if view.workers[w].employment is Employment.FULL_TIME]
        part = [w for w in workers if w not in full]
        compliant = (len(full) >= standard.min_full_time_workers
                     and all(spread[w] <= standard.max_grids_per_full_time_worker for w in full)
                     and addresses[grid] >= standard.min_addresses)
        if not full:
            vacant.append(grid)
        for row in (city, by_district[district], by_street[street]):
            row.active_grids += 1
            row.compliant_grids += compliant
            row.vacant_grids += not full
            row.full_time_workers.update(full)
            row.part_time_workers.update(part)
    return GovernanceReport(day, dict(sorted(by_district.items())), dict(sorted(by_street.items())),
                            city, vacant, multi_grid_workers(view, day))
