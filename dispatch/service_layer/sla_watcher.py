"""The SLA watcher: at-risk, breached and escalation alerts, recorded when they fall due.

For the open stages of the open incidents in the live views it works out when each
escalation step fires (the clock's at-risk / breached instants, plus the step's delay and
repeats, in the stage's own time), and records every step whose instant has come as an
`SlaAlerted` event naming who is told. The incident refuses an alert key it already has, so
a restart or a second watcher never alerts twice. Run it every second: an alert is then
recorded within a second of its instant.

Those instants are worked out (sla_due_alerts.py) only when an incident's clocks change
(the views say which) or its next instant comes (sla_schedule.py): a tick costs what
changed and what is due, not what is open.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from dispatch.domain.errors import DomainError
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.sla_due_alerts import DueAlert, DueAlerts
from dispatch.service_layer.sla_schedule import AlertSchedule
from policies.escalation import EscalationPolicy
from projections.views import Views

PLAN_PART = 200   # incidents looked at between two turns of the event loop (≈ 5-15 ms)


class SlaWatcher:
    def __init__(self, service: IncidentService, views: Views, policy: EscalationPolicy,
                 departments: set[str]):
        self.service, self.views, self.policy = service, views, policy
        self.recorded: dict[str, set[str]] = {}   # incident -> alert keys saved (while open)
        # Planned but not yet saved: `record` runs in another thread, and until it is done
        # these must neither be planned again nor hold back the incident's next instant.
        self.pending: dict[str, set[str]] = {}
        self.retry: deque[str] = deque()   # incidents whose alerts failed to save
        self.schedule = AlertSchedule()
        self.due_alerts = DueAlerts(views, policy, departments)
        views.take_changed_sla()   # all of them are scheduled here: the first tick need not
        for incident_id in views.open_incidents.rows:
            self.schedule.set(incident_id, self._scan(incident_id, None)[1])

    def tick(self, now: datetime) -> int:
        """Record the alerts due by `now`; return how many were recorded."""
        return self.record(self.plan(now))

    def plan(self, now: datetime) -> dict[str, list[DueAlert]]:
        """The alerts due by `now`, by incident. Reads the live views: call it where they are
        updated (the event loop), and `record` anywhere (it only touches the store)."""
        due: dict[str, list[DueAlert]] = {}
        for part in self.plan_in_parts(now):
            due.update(part)
        return due

    def plan_in_parts(self, now: datetime,
                      size: int = PLAN_PART) -> Iterator[dict[str, list[DueAlert]]]:
        """`plan`, `size` incidents at a time, so that the event loop can run between parts:
        at a peak a tick looks at every incident reported in the last second. An incident
        whose clocks change between parts is looked at again next tick (the views mark it)."""
        looked_at = dict.fromkeys(self.schedule.pop_due(now))
        looked_at.update(dict.fromkeys(self.views.take_changed_sla()))
        while self.retry:
            looked_at[self.retry.popleft()] = None
        by_incident: dict[str, list[DueAlert]] = {}
        for count, incident_id in enumerate(looked_at, 1):
            alerts, after = self._scan(incident_id, now)
            if alerts:
                by_incident[incident_id] = alerts
                self.pending.setdefault(incident_id, set()).update(a.key for a in alerts)
            self.schedule.set(incident_id, after)
            if count % size == 0:
                yield by_incident
                by_incident = {}
        if by_incident:
            yield by_incident

    def _scan(self, incident_id: str,
              now: datetime | None) -> tuple[list[DueAlert], datetime | None]:
        """The incident's alerts not yet taken that are due by `now`, and the earliest
        instant of the others (None: none left while its clocks stay as they are)."""
        row = self.views.open_incidents.rows.get(incident_id)
        clocks = self.views.sla.incidents.get(incident_id)
        if row is None or not row.is_open or clocks is None:
            self.recorded.pop(incident_id, None)  # closed: its keys are never asked again
            return [], None
        return self.due_alerts.of(incident_id, clocks.open(), now,
                                  self.recorded.get(incident_id, ()),
                                  self.pending.get(incident_id, ()))

    def record(self, by_incident: dict[str, list[DueAlert]]) -> int:
        try:
            recorded = self._record(by_incident)
        except BaseException:
            # Refused when another writer changed one of these incidents meanwhile (or the
            # store failed): nothing is marked done, and the next tick plans the same alerts
            # again. Keys freed first: a plan that takes the ids must find them free.
            self._unpend(by_incident)
            self.retry.extend(by_incident)
            raise
        for incident_id, alerts in by_incident.items():
            self.recorded.setdefault(incident_id, set()).update(a.key for a in alerts)
        self._unpend(by_incident)
        return recorded

    def _unpend(self, by_incident: dict[str, list[DueAlert]]) -> None:
        for incident_id, alerts in by_incident.items():
            keys = self.pending.get(incident_id)
            if keys is not None:
                keys.difference_update(a.key for a in alerts)
                if not keys:
                    del self.pending[incident_id]

    def _record(self, by_incident: dict[str, list[DueAlert]]) -> int:
        incidents, recorded = [], 0
        loaded = self.service.get_incidents(UUID(i) for i in by_incident)   # one query
        for incident_id, alerts in by_incident.items():
            incident = loaded.get(UUID(incident_id)) or self.service.get_incident(UUID(incident_id))
            for alert in alerts:
                try:
                    incident.alert_sla(alert.key, alert.stage, alert.level, alert.step,
                                       alert.notified, self.policy.version, at=alert.fires_at)
                    recorded += 1
                except DomainError:
                    pass  # recorded before (a restart), or the incident has just closed
            incidents.append(incident)
        if recorded:
            self.service.save(*incidents)
        return recorded
