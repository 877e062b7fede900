"""How published incident events move the duplicate index (projections/duplicate_candidates.py).

A report adds its incident to those kept (projections/duplicate_window.py); locating or
reclassifying it files it again under its place (projections/place_index.py), while open;
a closing takes it out of the places at once (it stays kept, closed, until the window lets
it go). Each incident's events are applied once, by version, and the later events of an
incident reported before the kept window change nothing. Apart from the index as the one
place that reads the published events' fields for it; the sole inbound worker also asks
which types move it, to feed it from its own records (infra/inbound_tasks.py).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from projections.duplicate_window import Candidate, KeptCandidates
from projections.native_places import NativePlaceIndex
from projections.open_incidents import CLOSING_EVENTS
from projections.place_index import PlaceIndex

MOVES_THE_INDEX = frozenset({"Reported", "Located", "Reclassified", *CLOSING_EVENTS})


def apply_events(events: Iterable[dict[str, Any]], kept: KeptCandidates,
                 places: PlaceIndex | NativePlaceIndex) -> None:
    """The events applied to the kept incidents and their places (under the index's lock)."""
    for event in events:
        kind = event["type"]
        if kind not in MOVES_THE_INDEX:
            continue
        incident_id = event["incident_id"]
        known = kept.incidents.get(incident_id)
        if known is not None and event["version"] <= known.version:
            continue
        if kind == "Reported":
            if known is not None:   # reported again, later (not in a well-formed stream):
                places.remove(incident_id)   # filed only once located again
            at = _time(event["reported_at"])
            point = point_of(event.get("location") or {})
            recorded = event.get("recorded_at")
            kept.add(incident_id, Candidate(event["version"], event["category"], at, point),
                     _time(recorded) if recorded else at)
            continue
        if known is None:
            continue  # its report is older than the kept window
        known.version = event["version"]
        if kind == "Located":
            place = event["place"]
            known.address, known.grid = place.get("address"), place.get("grid")
            if known.is_open:   # a closed one stays out of the buckets
                places.file(incident_id, known)
        elif kind == "Reclassified":
            known.category = event["category"]
            if known.is_open:
                places.file(incident_id, known)
        else:
            known.is_open = False
            places.remove(incident_id)


def point_of(location: dict[str, Any]) -> tuple[float, float] | None:
    """The reported GPS point (lat, lon) of an ingress location, if it has one."""
    return (location["lat"], location["lon"]) if "lat" in location else None


def _time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
