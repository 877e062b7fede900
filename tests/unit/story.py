"""A small city's worth of incident histories, through every kind of turn in the loop."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision
from dispatch.published import is_incident_event, published_event
from infra.store import memory_service
from projections.period import CITY_TZ

DEPARTMENTS = ["urban-management", "housing", "public-security", "environment"]
START = datetime(2026, 11, 2, 9, tzinfo=CITY_TZ)


def decision(department: str, sla: str = "standard") -> RoutingDecision:
    return RoutingDecision("r", "v1", sla, department=department)


def histories(count: int = 60, seed: int = 1) -> list[dict]:
    """Published events of `count` incidents with random, legal paths through the loop."""
    rng = random.Random(seed)
    service = memory_service()
    for n in range(count):
        at = START + timedelta(hours=n * 5)
        incident = Incident(source="hotline", report_id=f"S{n}", category="city.x", reported_at=at,
                            location={"grid_id": f"G{n % 7:04d}"}, description="d",
                            priority="urgent" if n % 9 == 0 else "normal", reporter=None,
                            attachments=[], extra={})
        incident.locate({"how": "grid_id", "grid": f"G{n % 7:04d}", "community": "C1",
                         "street": f"ST0{n % 3 + 1}", "district": "D01", "grid_kind": "comprehensive",
                         "managing_unit": None, "overlays": [], "grid_workers": [f"W{n % 7}"],
                         "address": None, "reason": None, "notes": []}, at=at)
        department = rng.choice(DEPARTMENTS)
        step = lambda hours: at + timedelta(hours=hours)  # noqa: E731
        incident.dispatch(decision(department, rng.choice(["standard", "urgent", "working-day-1"])),
                          at=step(rng.uniform(0, 3)))
        if rng.random() < 0.2:
            incident.return_(department, "not ours", at=step(4))
            if rng.random() < 0.5:
                incident.judge_return(1, justified=False, by="sup", note="is theirs", at=step(5))
            department = rng.choice([d for d in DEPARTMENTS if d != department])
            incident.dispatch(decision(department), at=step(6))
        if rng.random() < 0.1:
            incident.void("sup", "prank", at=step(7))
            service.save(incident)
            continue
        incident.accept(department, at=step(8 + rng.uniform(0, 30)))
        if rng.random() < 0.2:
            incident.suspend("sup", "waiting", at=step(40))
            if rng.random() < 0.7:
                incident.resume("sup", at=step(60))
        if incident.status.value == "accepted" and rng.random() < 0.2:
            incident.request_extension(department, 16, "parts", at=step(61))
            incident.decide_extension(rng.random() < 0.7, by="sup", at=step(62), reason="no")
        if incident.status.value == "accepted" and rng.random() < 0.8:
            incident.resolve(department, "done", at=step(70 + rng.uniform(0, 80)))
            if rng.random() < 0.15:
                incident.verify("W1", passed=False, note="redo", at=step(160))
                incident.resolve(department, "done again", at=step(170))
            incident.verify("W1", passed=True, note="", at=step(180 + rng.uniform(0, 20)))
            if rng.random() < 0.7:
                incident.rate(rng.choice(["satisfied", "basically_satisfied", "unsatisfied"]),
                              by="reporter", at=step(210), resolved=rng.random() < 0.8)
        service.save(incident)
    return [published_event(service.domain_event(n)) for n in service.notifications_after(0, 100_000)
            if is_incident_event(n.topic)]
