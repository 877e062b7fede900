"""Load a territory file into a `TerritoryService` through its commands.

Registrations come first; then every dated change is replayed day by day, each day in one
unit of work, so a retirement, its successor's filing and the addresses' move on the same
day are checked together. A refused command becomes a `Problem` and loading goes on, so
one pass reports everything that is wrong.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dispatch.territory import file_format as ff
from dispatch.territory.errors import GridOverlap, GridStillHasAddresses, TerritoryError
from dispatch.territory.problems import Problem, from_error
from dispatch.territory.service import TerritoryService

LEVELS = {"city": 0, "district": 1, "street": 2}


@dataclass
class Step:
    day: date
    rank: int        # order within a day: lifecycle before boundaries before people
    where: str
    field: str
    run: Callable[[], None]


def load_territory(service: TerritoryService, doc: ff.TerritoryFile) -> list[Problem]:
    problems: list[Problem] = []

    def attempt(where: str, field: str, command: Callable[[], None]) -> None:
        try:
            command()
        except TerritoryError as error:
            problems.append(from_error(where, field, error))

    for kind, records, register in (
            ("districts", doc.districts, lambda r: service.register_district(r.code, r.name)),
            ("streets", doc.streets,
             lambda r: service.register_street(r.code, r.name, r.district)),
            ("communities", doc.communities,
             lambda r: service.register_community(r.code, r.name, r.street))):
        for i, r in enumerate(records):
            attempt(f"{kind}[{i}] ({r.code})", "code", lambda r=r: register(r))
    for i, d in sorted(enumerate(doc.departments), key=lambda p: LEVELS[p[1].level]):
        attempt(f"departments[{i}] ({d.code})", "parent", lambda d=d: service.register_department(
            d.code, d.name, d.level, d.parent, d.unit))
    for i, a in enumerate(doc.addresses):
        attempt(f"addresses[{i}] ({a.id})", "qr_code", lambda a=a: service.register_address(
            a.id, a.text, list(a.point), a.qr_code))
    for i, w in enumerate(doc.workers):
        attempt(f"workers[{i}] ({w.id})", "employment",
                lambda w=w: service.register_worker(w.id, w.name, w.employment))
    days: dict[date, list[Step]] = defaultdict(list)
    for step in _dated_steps(service, doc):
        days[step.day].append(step)
    for day in sorted(days):
        problems.extend(_run_day(service, sorted(days[day], key=lambda s: s.rank)))
    for i, o in enumerate(doc.overlays):
        attempt(f"overlays[{i}] ({o.code})", "code", lambda o=o: service.declare_overlay(
            o.code, o.name, o.host_district, o.district, o.categories, o.effective_from,
            o.grids, o.communities, o.effective_until))
    return problems


def _dated_steps(service: TerritoryService, doc: ff.TerritoryFile) -> list[Step]:
    steps = []
    for i, g in enumerate(doc.grids):
        at = f"grids[{i}] ({g.id})"
        steps.append(Step(g.proposed_on, 0, at, "proposed_on", lambda g=g: service.propose_grid(
            g.id, g.name, g.kind, g.street, g.community, g.boundary.coordinates, g.proposed_on,
            g.managing_unit)))
        if g.approved_on:
            steps.append(Step(g.approved_on, 1, at, "approved_on",
                              lambda g=g: service.approve_grid(g.id, g.approved_on)))
        if g.filed_on or g.effective_from:
            steps.append(Step(g.effective_from or g.filed_on, 3, at, "filed_on",
                              lambda g=g: service.file_grid(g.id, g.filed_on or g.effective_from,
                                                            g.effective_from)))
        if g.retired_on:
            steps.append(Step(g.retired_on, 2, at, "retired_on",
                              lambda g=g: service.retire_grid(g.id, g.retired_on)))
        for j, c in enumerate(g.changes):
            if isinstance(c, ff.Redraw):
                run = (lambda g=g, c=c: service.redraw_grid(g.id, c.boundary.coordinates,
                                                            c.effective_from))
            else:
                run = (lambda g=g, c=c: service.transfer_grid(
                    g.id, c.to_street, c.to_community, c.kind, c.effective_from,
                    c.managing_unit))
            steps.append(Step(c.effective_from, 4, f"{at}.changes[{j}]", c.type, run))
    for i, a in enumerate(doc.addresses):
        for j, s in enumerate(a.assignments):
            steps.append(Step(s.effective_from, 5, f"addresses[{i}] ({a.id}).assignments[{j}]",
                              "grid", lambda a=a, s=s: service.assign_address(
                                  a.id, s.grid, s.effective_from)))
    for i, w in enumerate(doc.workers):
        for j, s in enumerate(w.assignments):
            steps.append(Step(s.since, 6, f"workers[{i}] ({w.id}).assignments[{j}]", "grid",
                              lambda w=w, s=s: service.assign_worker(w.id, s.grid, s.since,
                                                                     s.until)))
    return steps


def _run_day(service: TerritoryService, steps: list[Step]) -> list[Problem]:
    """One day in one unit of work. An overlap may clear once the day's other changes
    are in (a swap of land), so overlapping steps are retried until nothing moves; a
    retirement that would strand addresses at the close is dropped and the day re-run."""
    dropped: list[Problem] = []
    while True:
        problems: list[Problem] = []
        try:
            with service.unit_of_work():
                waiting = _run_steps(steps, problems)
                while waiting:
                    still = _run_steps(waiting, problems)
                    if len(still) == len(waiting):
                        _run_steps(still, problems, defer_overlaps=False)
                        break
                    waiting = still
            return dropped + problems
        except GridStillHasAddresses as error:
            culprit = next(s for s in steps if s.field == "retired_on"
                           and s.where.endswith(f"({error.grid})"))
            dropped.append(from_error(culprit.where, culprit.field, error))
            steps = [s for s in steps if s is not culprit]


def _run_steps(steps: list[Step], problems: list[Problem],
               defer_overlaps: bool = True) -> list[Step]:
    waiting = []
    for step in steps:
        try:
            step.run()
        except GridOverlap as error:
            if defer_overlaps:
                waiting.append(step)
            else:
                problems.append(from_error(step.where, "boundary", error))
        except TerritoryError as error:
            problems.append(from_error(step.where, step.field, error))
    return waiting
