"""Every read model, fed together: live from `incidents.events`, or replayed from the store.

Each view drops events it has already applied (by incident id and version), so the
stream's redeliveries and the relay's resends do not count twice, and a replay of the
store in its own order gives the same state as the stream did.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from projections.duplicate_candidates import DuplicateCandidates
from projections.finished_incidents import FinishedIncidents
from projections.handed_over_table import collector_paused
from projections.incident_facts import IncidentFactsView
from projections.open_incidents import IncidentRow, OpenIncidentsByDepartment
from policies.calendar_timeline import CalendarRangeError
from projections.sla_clock import SlaClocks


class Views:
    def __init__(self, open_incidents: OpenIncidentsByDepartment | None = None,
                 duplicates: DuplicateCandidates | None = None,
                 keep_finished: timedelta | None = None, index_duplicates: bool = True):
        """`index_duplicates`: False for views that no route step asks (a worker that only
        relays): they keep no duplicate index, and `duplicates` is None."""
        self.open_incidents = open_incidents or OpenIncidentsByDepartment()
        self.duplicates: DuplicateCandidates | None = \
            (duplicates or DuplicateCandidates()) if index_duplicates else None
        self.facts = IncidentFactsView()
        self.sla = SlaClocks()
        self.sla_problems: list[tuple[str, int, str]] = []
        self.changed_open: set[str] = set()
        self.changed_sla: set[str] = set()
        # None: every incident stays (reports, rebuilds); else finished ones go after that.
        self.finished = FinishedIncidents(keep_finished) if keep_finished is not None else None
        self._unsaved_finished: list[str] = []

    def apply(self, events: Iterable[dict[str, Any]]) -> None:
        batch = events if isinstance(events, list) else list(events)
        self.changed_open |= self.open_incidents.apply(batch)
        self.facts.apply(batch)
        if self.duplicates is not None:
            self.duplicates.apply(batch)
        remaining = batch
        while remaining:
            try:
                self.changed_sla |= self.sla.apply(remaining)
                break
            except CalendarRangeError as error:
                # The events before the failing one were applied, and it may have moved
                # clocks before raising: count them all (a rare path, a superset is fine).
                self.changed_sla.update(event["incident_id"] for event in remaining)
                remaining = self._skip_failed(remaining, error)
        if self.finished is not None:
            self.finished.note(batch)

    def spread_tables(self) -> None:
        """For a live worker, once replayed: its tables by incident spread over shards, so
        that they grow without a pause (projections/incident_table.py)."""
        with collector_paused():   # (after a native replay, every object is made here)
            for view in (self.open_incidents, self.facts, self.sla, self.duplicates):
                if view is not None:
                    view.spread_tables()

    def release_finished(self) -> dict[str, IncidentRow]:
        """Let go of the incidents that ended more than `keep_finished` ago (see
        projections/finished_incidents.py): their open-incidents rows as they ended. One
        whose row is still to be saved waits for a call after the save."""
        if self.finished is None:
            return {}
        due, self._unsaved_finished = self._unsaved_finished + self.finished.due(), []
        released = {}
        for incident_id in due:
            if incident_id in self.changed_open:
                self._unsaved_finished.append(incident_id)
            else:
                row = self.open_incidents.forget(incident_id)
                self.facts.forget(incident_id)
                self.sla.forget(incident_id)
                if row is not None:
                    released[incident_id] = row
        return released

    def _skip_failed(self, events: list[dict[str, Any]], error: Exception) -> list[dict[str, Any]]:
        """A time beyond the calendar file's years: keep that event in plain sight as a
        problem, mark it applied so it is not retried forever, and go on after it."""
        for index, event in enumerate(events):
            row = self.sla.incidents.get(event["incident_id"])
            if row is None or event["version"] > row.version:
                self.sla_problems.append((event["incident_id"], event["version"], str(error)))
                if row is not None:
                    row.version = event["version"]
                return events[index + 1:]
        return []

    def stages_of(self, incident_id: str) -> list:
        """The SLA stage clocks of an incident, in the order they started."""
        return self.sla.stages(incident_id)

    def light_counts(self, now: datetime) -> dict[tuple[str, str], int]:
        """(stage, light) → how many stages are open with that light at `now`."""
        tally: Counter = Counter()
        for incident_id, row in list(self.sla.incidents.items()):  # (asked from other threads)
            for clock in row.open():
                light = self.sla.light(incident_id, clock.stage, now)
                if light:
                    tally[(clock.stage, light)] += 1
        return dict(tally)

    def take_changed_open(self) -> set[str]:
        """Rows of the open-incidents view changed since last asked (for saving them)."""
        changed, self.changed_open = self.changed_open, set()
        return changed

    def take_changed_sla(self) -> set[str]:
        """Incidents whose SLA clocks changed since last asked (for the SLA watcher)."""
        changed, self.changed_sla = self.changed_sla, set()
        return changed

    def state(self) -> dict[str, Any]:
        """Everything the views hold, as comparable values (for live-versus-replay checks)."""
        return {"open_incidents": dict(self.open_incidents.rows), "facts": dict(self.facts.facts),
                "sla": dict(self.sla.incidents),
                "duplicates": self.duplicates.state() if self.duplicates is not None else None}
