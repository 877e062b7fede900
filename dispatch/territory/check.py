"""Check a territory file: invalid data, overlaps and lifecycle errors (errors); gaps,
vacant grids, multi-grid workers and stray addresses (warnings).

The file is loaded through the same commands the engine uses, into a throwaway in-memory
store, so the checker and the engine cannot disagree about what is valid. Staffing is
reported for the file's `as_of` day (today if it has none); gaps for that day and every
later day on which the set of active boundaries changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dispatch.territory import coverage, staffing
from dispatch.territory.file_format import TerritoryFile, parse_territory, read_territory_file
from dispatch.territory.geometry import as_rings
from dispatch.territory.loader import load_territory
from dispatch.territory.problems import ERROR, WARNING, Problem
from dispatch.territory.service import TerritoryService
from dispatch.territory.values import CITY_UTC_OFFSET
from dispatch.territory.view import TerritoryView


@dataclass
class CheckReport:
    file: str
    as_of: date | None = None
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    vacant_grids: list[str] = field(default_factory=list)
    multi_grid_workers: dict[str, list[str]] = field(default_factory=dict)
    gaps: list[coverage.Gap] = field(default_factory=list)
    view: TerritoryView | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


def check_territory(path: str | Path) -> CheckReport:
    doc, problems = read_territory_file(path)
    return _check(Path(path).name, doc, problems)


def check_document(raw: Any, file: str = "(document)") -> CheckReport:
    doc, problems = parse_territory(raw)
    return _check(file, doc, problems)


def _check(file: str, doc: TerritoryFile | None, problems: list[Problem]) -> CheckReport:
    report = CheckReport(file, problems=list(problems))
    if doc is None:
        return report
    service = TerritoryService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    report.problems += load_territory(service, doc)
    view = report.view = service.view()
    day = report.as_of = doc.as_of or datetime.now(CITY_UTC_OFFSET).date()
    where = {g.id: f"grids[{i}] ({g.id})" for i, g in enumerate(doc.grids)}
    city = as_rings(doc.city.boundary.coordinates) if doc.city.boundary else None
    seen: set[str] = set()
    for when in coverage.change_days(view, day):
        for gap in coverage.gaps(view, when, city):
            shape = f"{gap.bounds}"
            if shape not in seen:
                seen.add(shape)
                report.gaps.append(gap)
                report.problems.append(Problem(
                    WARNING, "city.boundary" if city else "grids", None, None,
                    f"about {gap.area_m2:,.0f} m² around {gap.point} has no active grid"
                    f" from {when} (bounds {gap.bounds}); incidents there resolve to no grid",
                    "gap"))
        if city is not None:
            for grid, area in coverage.outside_city(view, when, city):
                report.problems.append(Problem(WARNING, where.get(grid, grid), "boundary", None,
                                               f"reaches {area:,.0f} m² beyond the city"
                                               f" boundary on {when}", "outside-city"))
    report.vacant_grids = staffing.vacant_grids(view, day)
    for grid in report.vacant_grids:
        report.problems.append(Problem(WARNING, where.get(grid, grid), None, None,
                                       f"has no full-time grid worker on {day}", "vacancy"))
    report.multi_grid_workers = staffing.multi_grid_workers(view, day)
    for i, w in enumerate(doc.workers):
        if w.id in report.multi_grid_workers:
            grids = ", ".join(report.multi_grid_workers[w.id])
            report.problems.append(Problem(WARNING, f"workers[{i}] ({w.id})", "assignments",
                                           None, f"holds {len(report.multi_grid_workers[w.id])}"
                                           f" grids on {day}: {grids}", "multi-grid"))
    report.problems += _stray_addresses(doc, view, day)
    report.summary = _summary(view, day, report)
    return report


def _stray_addresses(doc: TerritoryFile, view: TerritoryView, day: date) -> list[Problem]:
    """Addresses whose point lies outside the grid they are assigned to (a geocoding or
    assignment slip: QR scans and map clicks there would disagree)."""
    found = []
    for i, a in enumerate(doc.addresses):
        address = view.addresses.get(a.id)
        grid = view.grids.get(address.grid_at(day) or "") if address else None
        if grid is None or not grid.is_active(day):
            continue
        located = view.index.locate(a.point[0], a.point[1], day)
        if located != grid.code:
            found.append(Problem(WARNING, f"addresses[{i}] ({a.id})", "point", list(a.point),
                                 f"lies in {located or 'no grid'}, but the address is"
                                 f" assigned to {grid.code} on {day}", "address-outside-grid"))
    return found


def _summary(view: TerritoryView, day: date, report: CheckReport) -> dict[str, Any]:
    active = view.active_grids(day)
    per_district: dict[str, dict[str, int]] = {d: {"grids": 0, "vacant": 0}
                                               for d in sorted(view.districts)}
    vacant = set(report.vacant_grids)
    for grid in active:
        district = staffing.district_of(view, grid.code, day)
        row = per_district.setdefault(district or "(none)", {"grids": 0, "vacant": 0})
        row["grids"] += 1
        row["vacant"] += grid.code in vacant
    return {"districts": len(view.districts), "streets": len(view.streets),
            "communities": len(view.communities), "departments": len(view.departments),
            "grids": len(view.grids), "active_grids": len(active),
            "exclusive_grids": sum(g.responsibility_at(day).kind.value == "exclusive"
                                   for g in active),
            "addresses": len(view.addresses), "workers": len(view.workers),
            "overlays": len(view.overlays), "staffing_by_district": per_district}

