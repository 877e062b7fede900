"""考核评估: scorecards per department, street, district, grid or grid worker over a period.

Formulas (also in the README). P is the period [start, end); an incident counts only if it
was neither voided nor merged as a duplicate (the original counts once).
  应结案数 due        incidents whose closure deadline falls in P, or that were closed in P
                      (optionally minus those suspended, 挂账, when the option says so)
  结案数 closed       of those, closed before the end of P
  按期结案数 on time  of those, closed by their closure deadline
  结案率              结案数 ÷ 应结案数;  按期结案率 = 按期结案数 ÷ 应结案数
  及时派遣率          dispatch stages that ended in P on time ÷ dispatch stages that ended in P
  按时签收率 (响应率) acceptance clocks that ended in P with 签收, on time ÷ all of those
  按期处置率          handling stages that ended in P with a result, on time ÷ all of those
  返工率              failed verifications in P ÷ verifications in P
  回退率              returns in P ÷ dispatches to a department in P
  延期率              incidents closed in P with a granted extension ÷ incidents closed in P
  挂账数              incidents suspended now (not yet resumed)
  推诿数              returns in P that a supervisor judged unjustified
  首派准确率          incidents first dispatched in P whose first department kept them (never
                      returned, never reassigned) ÷ incidents first dispatched in P
  满意率              (satisfied + basically satisfied) ÷ ratings given in P
  解决率              ratings in P saying the problem was solved ÷ ratings given in P
Who is credited: closure, handling, verification, extension, suspension and ratings go to
the department holding the incident (at its close, or now); acceptance to the department
whose clock it was; returns and 推诿 to the department that returned it; dispatches to the
department that received them; 首派 to the first department. Place dimensions (street,
district, grid) and grid workers (the full-time workers of the grid that day) take every
figure of the incidents located there.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from projections.incident_facts import IncidentFacts
from projections.period import Period
from projections.tally import Tally

DIMENSIONS = ("department", "street", "district", "grid", "grid_worker")
SATISFIED = ("satisfied", "basically_satisfied")


class StageOutcome(Protocol):
    stage: str
    department: str | None
    due_at: Any
    ended_at: Any
    ended_by: str | None    # the event type that ended the stage
    on_time: bool | None


StagesOf = Callable[[str], Iterable[StageOutcome]]


def scorecards(facts: Iterable[IncidentFacts], stages_of: StagesOf, period: Period,
               dimension: str, exclude_suspended_from_due: bool = False) -> dict[str, Tally]:
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension {dimension!r} is not one of {', '.join(DIMENSIONS)}")
    tallies: dict[str, Tally] = defaultdict(Tally)
    for f in facts:
        if f.counts:
            _tally(f, list(stages_of(f.incident_id)), period, dimension,
                   exclude_suspended_from_due, tallies)
    return dict(sorted(tallies.items()))


def _tally(f: IncidentFacts, stages: list[StageOutcome], p: Period, dimension: str,
           exclude_suspended: bool, tallies: dict[str, Tally]) -> None:
    def credit(department: str | None) -> list[Tally]:
        if dimension == "department":
            keys = [department] if department else []
        elif dimension == "grid_worker":
            keys = list(f.grid_workers)
        else:
            keys = [getattr(f, dimension)] if getattr(f, dimension) else []
        return [tallies[key] for key in keys]

    holder = f.department or (f.dispatches[-1][0] if f.dispatches else None)
    close = next((s for s in stages if s.stage == "close"), None)
    due_in_period = (close is not None and close.due_at in p) or f.closed_at in p
    if due_in_period and not (exclude_suspended and f.suspended and f.closed_at is None):
        closed = f.closed_at is not None and f.closed_at < p.end
        for t in credit(holder):
            t.due += 1
            t.closed += closed
            t.closed_on_time += closed and close is not None and close.on_time is True
    for stage in stages:
        if stage.ended_at not in p or stage.on_time is None:
            continue
        if stage.stage == "dispatch":
            for t in credit(f.first_department):
                t.dispatch_stages += 1
                t.dispatched_on_time += stage.on_time
        elif stage.stage == "accept" and stage.ended_by == "Accepted":
            for t in credit(stage.department):
                t.acceptances += 1
                t.accepted_on_time += stage.on_time
        elif stage.stage == "handle" and stage.ended_by == "Resolved":
            for t in credit(holder):
                t.handlings += 1
                t.handled_on_time += stage.on_time
    for at, passed in f.verifications:
        if at in p:
            for t in credit(holder):
                t.verifications += 1
                t.failed_verifications += not passed
    for department, at in f.dispatches:
        if at in p:
            for t in credit(department):
                t.dispatches_received += 1
    for department, at in f.returns:
        if at in p:
            for t in credit(department):
                t.returns += 1
    for department, at in f.unjustified_returns:
        if at in p:
            for t in credit(department):
                t.unjustified_returns += 1
    if f.closed_at in p:
        for t in credit(holder):
            t.closed_in_period += 1
            t.extended += bool(f.extensions_granted)
    if f.suspended and f.closed_at is None:
        for t in credit(holder):
            t.suspended += 1
    if f.first_dispatched_at in p:
        for t in credit(f.first_department):
            t.first_dispatches += 1
            t.first_dispatch_kept += f.dispatched_once_and_kept
    if f.rated and f.rated[2] in p:
        for t in credit(holder):
            t.ratings += 1
            t.satisfied += f.rated[0] in SATISFIED
            t.solved += f.rated[1]
