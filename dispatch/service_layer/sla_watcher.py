"""The SLA watcher: at-risk, breached and escalation alerts, recorded when they fall due.

Each tick looks at the open stages of the open incidents in the live views, works out when
each escalation step fires (the clock's at-risk / breached instants, plus the step's delay
and repeats, in the stage's own time), and records every step whose instant has come as an
`SlaAlerted` event naming who is told. The incident refuses an alert key it already has, so
a restart or a second watcher never alerts twice. Run it every second: an alert is then
recorded within a second of its instant.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from dispatch.domain.errors import DomainError
from dispatch.service_layer.incident_service import IncidentService
from policies.escalation import EscalationPolicy, Step, fire_times
from projections.views import Views

CITY_CENTRE = "city-command-centre"


@dataclass(frozen=True)
class DueAlert:
    incident_id: str
    key: str
    stage: str
    level: str
    step: int
    notified: list[str]
    fires_at: datetime


class SlaWatcher:
    def __init__(self, service: IncidentService, views: Views, policy: EscalationPolicy,
                 departments: set[str]):
        self.service, self.views, self.policy = service, views, policy
        self.departments = departments
        self.recorded: set[tuple[str, str]] = set()

    def due(self, now: datetime) -> Iterator[DueAlert]:
        sla = self.views.sla
        thresholds = sla.classes.thresholds
        for incident_id, row in self.views.open_incidents.rows.items():
            if not row.is_open or incident_id not in sla.incidents:
                continue
            for clock in sla.incidents[incident_id].open():
                if clock.limit is None or clock.paused_since is not None:
                    continue
                levels = {"at_risk": clock.passes(thresholds.at_risk, sla.calendar),
                          "breached": clock.passes(thresholds.breached, sla.calendar)}
                for index, step in enumerate(self.policy.step):
                    for repeat, fires_at in enumerate(fire_times(
                            step, levels[step.level], clock.limit.measure, sla.calendar)):
                        if fires_at > now:
                            break
                        key = f"{clock.stage}@{clock.started_at.isoformat()}#{index}.{repeat}"
                        if (incident_id, key) not in self.recorded:
                            yield DueAlert(incident_id, key, clock.stage, step.level, index,
                                           self._who(step, incident_id, clock.department), fires_at)

    def tick(self, now: datetime) -> int:
        """Record the alerts due by `now`; return how many were recorded."""
        return self.record(self.plan(now))

    def plan(self, now: datetime) -> dict[str, list[DueAlert]]:
        """The alerts due by `now`, by incident. Reads the live views: call it where they are
        updated (the event loop), and `record` anywhere (it only touches the store)."""
        by_incident: dict[str, list[DueAlert]] = defaultdict(list)
        for alert in self.due(now):
            by_incident[alert.incident_id].append(alert)
        return by_incident

    def record(self, by_incident: dict[str, list[DueAlert]]) -> int:
        incidents, recorded, done = [], 0, []
        for incident_id, alerts in by_incident.items():
            incident = self.service.get_incident(UUID(incident_id))
            for alert in alerts:
                try:
                    incident.alert_sla(alert.key, alert.stage, alert.level, alert.step,
                                       alert.notified, self.policy.version, at=alert.fires_at)
                    recorded += 1
                except DomainError:
                    pass  # recorded before (a restart), or the incident has just closed
                done.append((incident_id, alert.key))
            incidents.append(incident)
        if recorded:
            # Refused when another writer changed one of these incidents meanwhile: nothing
            # is marked done then, and the next tick plans the same alerts again.
            self.service.save(*incidents)
        self.recorded.update(done)
        return recorded

    def _who(self, step: Step, incident_id: str, department: str | None) -> list[str]:
        facts = self.views.facts.facts.get(incident_id)
        street = facts.street if facts else None
        district = facts.district if facts else None
        holder = department or (facts.department if facts else None)
        roles = {"holder": holder,
                 "street": f"{street}-office" if street else None,
                 "district": f"{district}-command-centre" if district else None,
                 "city": CITY_CENTRE}
        told = [roles[role] for role in step.notify if roles[role]]
        # A role the territory lacks (no street office here) falls to the city centre.
        return list(dict.fromkeys(d if d in self.departments else CITY_CENTRE for d in told))
