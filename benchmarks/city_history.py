"""A synthetic history of full incident lifecycles in the demo city, written to a store.

Reports come from the simulator, are located on the demo territory and routed by the
demo policy; then each incident goes through a random, legal path of the closed loop
(returns, suspensions, extensions, rework, ratings, voids), with business times spread
over a month.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision
from dispatch.service_layer.dispatcher import Dispatcher, place_of
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.rerouting import reroute
from infra.simulated_city import simulated_reports


def write_history(service: IncidentService, dispatcher: Dispatcher, incidents: int,
                  seed: int = 11, batch: int = 200, progress=None) -> int:
    """Create `incidents` lifecycles; return the number of events stored."""
    rng = random.Random(seed)
    pending: list[Incident] = []
    events = 0
    for report in simulated_reports(incidents, run_id=f"history-{seed}", seed=seed):
        incident = _lifecycle(report, dispatcher, rng)
        pending.append(incident)
        if len(pending) >= batch:
            events += _save(service, pending, progress)
    return events + _save(service, pending, progress)


def _save(service: IncidentService, incidents: list[Incident], progress) -> int:
    count = sum(len(i.pending_events) for i in incidents)
    if incidents:
        service.save(*incidents)
        if progress:
            progress(count)
    incidents.clear()
    return count


def _lifecycle(report: dict, dispatcher: Dispatcher, rng: random.Random) -> Incident:
    reported_at = datetime.fromisoformat(report["reported_at"]) + timedelta(
        minutes=rng.randrange(60 * 24 * 28))
    incident = Incident(source=report["source"], report_id=report["report_id"],
                        category=report["category"], reported_at=reported_at,
                        location=report["location"], description=report["description"],
                        priority=report["priority"], reporter=None, attachments=[], extra={})
    placement = dispatcher.place(report["location"], report["category"], report["source"],
                                 report["priority"], reported_at)
    step = _clock(reported_at, rng)
    incident.locate(place_of(placement.resolution, placement.grid_workers), at=step(0.1))
    incident.dispatch(dispatcher.decide(placement.situation), at=step(0.5))
    if incident.department is None:  # waiting in a manual queue: a person dispatches it
        incident.reassign(_manual(dispatcher), by="command-centre", reason="manual dispatch",
                          at=step(2))
    if rng.random() < 0.15:
        incident.return_(incident.department, "not ours", at=step(1))
        if rng.random() < 0.4:
            incident.judge_return(1, justified=rng.random() < 0.5, by="sup", note="judged", at=step(1))
        reroute(incident, dispatcher, at=step(0.5))
        if incident.department is None:
            incident.reassign(_manual(dispatcher), by="command-centre",
                              reason="manual dispatch", at=step(2))
    if rng.random() < 0.05:
        incident.void("sup", "duplicate call", at=step(3))
        return incident
    department = incident.department
    incident.accept(department, at=step(rng.uniform(0.2, 6)))
    if rng.random() < 0.1:
        incident.suspend("sup", "waiting for the owner", at=step(4))
        incident.resume("sup", at=step(rng.uniform(5, 48)))
    if rng.random() < 0.1:
        incident.request_extension(department, 8, "parts", at=step(2))
        incident.decide_extension(rng.random() < 0.8, by="sup", at=step(1), reason="no need")
    if rng.random() < 0.9:
        incident.resolve(department, "handled", at=step(rng.uniform(2, 90)))
        if rng.random() < 0.1:
            incident.verify("gw", passed=False, note="not fixed", at=step(6))
            incident.resolve(department, "handled again", at=step(24))
        incident.verify("gw", passed=True, note="", at=step(rng.uniform(1, 30)))
        if rng.random() < 0.6:
            incident.rate(rng.choice(["satisfied", "satisfied", "basically_satisfied", "unsatisfied"]),
                          by="reporter", at=step(24), resolved=rng.random() < 0.85)
    return incident


def _manual(dispatcher: Dispatcher) -> RoutingDecision:
    return RoutingDecision("manual", dispatcher.policy.version, "standard",
                           department="comprehensive-governance")


def _clock(start: datetime, rng: random.Random):
    now = [start]

    def step(hours: float) -> datetime:
        now[0] = now[0] + timedelta(hours=hours * rng.uniform(0.8, 1.2))
        return now[0]
    return step
