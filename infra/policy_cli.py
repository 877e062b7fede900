"""`grid-dispatch policy check|explain|backtest`: the policy tools, wired to files and stores."""
from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dispatch.contracts import InvalidMessage, decode_report
from dispatch.service_layer.dispatcher import Dispatcher
from infra.settings import Settings
from infra.territory_source import territory_view
from policies.backtest import backtest
from policies.catalogue import Catalogue
from policies.check import check_policy
from policies.explain import explain
from policies.calendar import default_calendar
from policies.loader import DEMO_POLICY, PolicyError, load_policy
from policies.routing_policy import calendar_day_kind

_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def policy_check(settings: Settings, path: str | None, at: str | None) -> tuple[str, int]:
    try:
        policy = load_policy(path or settings.policy_path or DEMO_POLICY, day_kind=_day_kind())
    except PolicyError as error:
        return f"policy check: FAILED\n{error}", 1
    view = territory_view(settings.territory_path)
    report = check_policy(policy, view, Catalogue.load(), _local(at, policy), default_calendar())
    return report.render(), 0 if report.ok else 1


def policy_explain(settings: Settings, category: str, location: str, at: str | None,
                   source: str, priority: str) -> str:
    dispatcher = Dispatcher(territory_view(settings.territory_path),
                            load_policy(settings.policy_path or DEMO_POLICY, day_kind=_day_kind()))
    when = _local(at, dispatcher.policy)
    placement = dispatcher.place(parse_location(location), category, source, priority, when)
    place = placement.resolution
    where = (f"grid {place.grid} (community {place.community}, street {place.street}, district "
             f"{place.district}; {place.kind.value if place.kind else ''} grid"
             f"{', managed by ' + place.managing_unit if place.managing_unit else ''})"
             if place.grid else f"no grid: {place.reason}")
    header = (f"{category} at {location} on {when:%Y-%m-%d %H:%M} ({source}, {priority})\n"
              f"place: {where}; responsible district for this category: "
              f"{placement.situation.district}\n")
    return header + explain(dispatcher.policy, placement.situation).render()


def policy_backtest(settings: Settings, candidate: str, events: str | None,
                    from_store: bool) -> str:
    current = load_policy(settings.policy_path or DEMO_POLICY, day_kind=_day_kind())
    proposed = load_policy(candidate, day_kind=_day_kind())
    dispatcher = Dispatcher(territory_view(settings.territory_path), current)
    reports = _reports_from_store(settings) if from_store else _reports_from_file(Path(events))
    situations = (dispatcher.place(r["location"], r["category"], r["source"], r["priority"],
                                   r["reported_at"]).situation for r in reports)
    return backtest(situations, current, proposed).render()


def _day_kind():
    return calendar_day_kind(default_calendar())


def parse_location(text: str) -> dict:
    """`grid_id=G0001`, `qr_code=...,` `lat=31.2,lon=121.5`, or the short forms
    `G0001`, `QR-0001-001`, `31.2,121.5` (lat,lon)."""
    if "=" in text:
        pairs = dict(part.split("=", 1) for part in text.split(",") if part.strip())
        return {k.strip(): (float(v) if k.strip() in ("lat", "lon") else v.strip())
                for k, v in pairs.items()}
    point = _POINT.match(text)
    if point:
        return {"lat": float(point.group(1)), "lon": float(point.group(2))}
    if text.upper().startswith("QR-"):
        return {"qr_code": text}
    if re.match(r"^G\d+$", text):
        return {"grid_id": text}
    return {"address_id": text}


def _local(at: str | None, policy) -> datetime:
    zone = ZoneInfo(policy.document.policy.timezone)
    if not at:
        return datetime.now(zone)
    value = datetime.fromisoformat(at)
    return value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)


def _reports_from_file(path: Path):
    """JSON lines of IncidentReported; lines that are not valid reports are skipped."""
    for line in path.read_bytes().splitlines():
        if line.strip():
            try:
                report = decode_report(line)
            except InvalidMessage:
                continue
            yield {"location": report.location.model_dump(exclude_none=True),
                   "category": report.category, "source": report.source.value,
                   "priority": report.priority.value, "reported_at": report.reported_at}


def _reports_from_store(settings: Settings):
    from dispatch.published import UNREADABLE, is_incident_event, published_from_stored
    from infra.store import open_store
    service = open_store(settings)
    position = 0
    while batch := service.notifications_after(position, 5000):
        position = batch[-1].id
        for notification in batch:
            if is_incident_event(notification.topic) and notification.topic.endswith(".Reported"):
                try:
                    event = published_from_stored(notification.originator_id,
                                                  notification.originator_version,
                                                  notification.topic, notification.state)
                    report = {"location": event["location"], "category": event["category"],
                              "source": event["source"], "priority": event["priority"],
                              "reported_at": datetime.fromisoformat(event["reported_at"])}
                except UNREADABLE as error:   # as the relay leaves it (infra/relay_records.py)
                    print(f"stored report {notification.originator_id} (row {notification.id}) "
                          f"cannot be read, left out: {type(error).__name__}: {error}",
                          file=sys.stderr)
                    continue
                yield report

