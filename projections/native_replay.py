"""The replay of stored events into the views, done natively (the `native/` Rust crate).

The Python views are the reference: this fold gives the same state, which the tests hold
equal on whole simulated histories and on any well-formed history (hypothesis), and the
objects it hands over are the views' own (IncidentRow, IncidentFacts, IncidentClocks with
their StageClocks, the duplicate index's Candidates), made when first asked for
(projections/handed_over_table.py). It reads the rows a rebuild reads
(infra/store_reader.py), not published dicts: decoding each event into a dict costs more
than the views' work (benchmarks/JOURNAL.md, session 16).

It takes what the store writes. A row it cannot take raises ValueError naming the incident,
version and field, and so does anything that would make the Python SLA clocks record a
problem (an instant beyond the calendar's years): the caller replays in Python then, from
the start, and the views record the problem as they always have.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from policies.calendar import BusinessCalendar
from projections.duplicate_window import Candidate
from projections.handed_over_table import HandedOverTable
from projections.incident_facts import IncidentFacts
from projections.open_incidents import IncidentRow
from projections.sla_incident_clocks import IncidentClocks
from projections.sla_stage_clock import ONE_US, StageClock
from projections.views import Views

try:
    from grid_dispatch_native import Replay
except ImportError:  # not built: `make` builds it with the virtual environment
    Replay = None

Row = tuple[int, str, int, str, bytes]
_EPOCH_DAY = date(1970, 1, 1).toordinal()


def unavailable_because(views: Views) -> str | None:
    """Why these views cannot be replayed natively, or None if they can."""
    if Replay is None:
        return "grid_dispatch_native is not built (`make` builds it: native/)"
    if views.sla.calendar.timeline._local is None:
        return "the calendar's zone changes its UTC offset within the covered years"
    return None


class NativeFold:
    """Rows in (`apply_rows`, as often as needed), then `hand_over` into the views, once."""

    def __init__(self, views: Views):
        reason = unavailable_because(views)
        if reason is not None:
            raise RuntimeError(reason)
        sla, rules = views.sla, views.sla._rules
        types = (IncidentRow, IncidentFacts, IncidentClocks, StageClock, Candidate, sla.calendar)
        self._replay = Replay(
            types,
            lambda sla_class, priority: rules.limits(IncidentClocks(priority=priority,
                                                                    sla_class=sla_class)),
            lambda hours: timedelta(hours=hours) // ONE_US,
            _timeline(sla.calendar),
            # (no duplicate index: the fold keeps only what was recorded last)
            views.duplicates.rules.longest_window // ONE_US if views.duplicates is not None
            else 0,
            None if views.finished is None else views.finished.keep // ONE_US)

    def apply_rows(self, rows: Sequence[Row]) -> int:
        """Fold a batch of stored rows; the number of incident events among them."""
        return self._replay.apply_rows(rows if isinstance(rows, list) else list(rows))

    def release_finished(self) -> dict[str, IncidentRow]:
        """Views that let finished incidents go: those due after the rows applied so far are
        let go of, as `Views.release_finished` does; their open-incidents rows as they ended."""
        return dict(self._replay.release_finished())

    def hand_over(self, views: Views) -> None:
        """The views take the replayed state (fresh views: what they held is replaced)."""
        replay = self._replay
        views.open_incidents.rows = HandedOverTable(replay.take_open, replay.take_all_open)
        views.facts.facts = HandedOverTable(replay.take_facts, replay.take_all_facts)
        views.sla.incidents = HandedOverTable(replay.take_clocks, replay.take_all_clocks)
        if views.duplicates is not None:
            views.duplicates.adopt(replay.take_duplicates)
        ids = replay.incident_ids()
        views.changed_sla = set(ids)
        if views.finished is None:
            views.changed_open = set(ids)
        else:   # (as a replay in Python leaves them: each batch's rows taken before releasing)
            views.changed_open = set()
            ended, newest = replay.take_finished()
            views.finished.take_over(ended, newest)


def _timeline(calendar: BusinessCalendar) -> tuple:
    timeline = calendar.timeline
    return (timeline.first_day.toordinal() - _EPOCH_DAY,
            [kind == "workday" for kind in timeline.kinds],
            timeline._cum_start, timeline._cum_end, list(timeline.periods), timeline.total,
            int(timeline._local.utcoffset(None).total_seconds()))
