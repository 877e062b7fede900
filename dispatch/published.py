"""The outbound contract: how a stored domain event looks on `incidents.events`.

Every published event carries incident id, per-incident version (gap-free), type and
occurred-at, plus the event's own fields (routing decisions name their policy version
and rule id). Department systems and the projections read only this shape.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

_ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")
# Only the incident's own events go out; other records in the store (policy versions)
# are the engine's business.
INCIDENT_TOPIC_PREFIX = "dispatch.domain.incident:"


# What `published_from_stored` raises for a state that is not the store's JSON (not JSON,
# not UTF-8, a field missing or of another type): the row's own fault, never a passing one.
# Its readers (the relay, replays, the policy backtest) leave such a row out.
UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)


def is_incident_event(stored_topic: str) -> bool:
    return stored_topic.startswith(INCIDENT_TOPIC_PREFIX)


def published_event(domain_event: Any) -> dict[str, Any]:
    """The event as JSON-ready values (times as ISO strings): the same dict whether it
    comes off the topic or straight from the store."""
    body = {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in domain_event.__dict__.items() if key not in _ENVELOPE}
    # `at` is the business time a command names; a report happened when it was reported.
    occurred_at = body.pop("at", None) or body.get("reported_at") or domain_event.timestamp.isoformat()
    # The event's own fields first, then the envelope: the order the fast route below
    # gets for free, so both give the same JSON.
    body.update(incident_id=str(domain_event.originator_id),
                version=domain_event.originator_version, type=type(domain_event).__name__,
                occurred_at=occurred_at, recorded_at=domain_event.timestamp.isoformat())
    return body


def published_from_stored(originator_id: Any, version: int, topic: str, state: bytes) -> dict[str, Any]:
    """`published_event` straight from a stored record, without rebuilding the domain
    object: the transcoder's JSON is decoded once and its typed values (times, written as
    {"_type_": ..., "_data_": ISO text}) are taken as their text. Several times faster, for
    the relay and replays; a test holds the two routes equal. The decoded dict is the
    event (filled in place: the same pairs as `published_event`, envelope keys last)."""
    event = orjson.loads(state)
    if topic == _REPORTED and _beyond_64_bits(event):
        event = json.loads(state)   # exact, as the store wrote it (rare: see below)
    recorded_at = event.pop("timestamp")["_data_"]
    event.pop("originator_topic", None)
    kind = _TYPES.get(topic)
    if kind is None:
        kind = _TYPES[topic] = topic[topic.rindex(".") + 1:]
    event["incident_id"] = originator_id if type(originator_id) is str else str(originator_id)
    event["version"] = version
    event["type"] = kind
    # Only these fields hold typed values in incident events (times); the rest is JSON.
    at = event.pop("at", None)
    if at is not None:
        event["occurred_at"] = at["_data_"]
    else:
        reported_at = event.get("reported_at")
        if reported_at is not None:
            event["occurred_at"] = event["reported_at"] = reported_at["_data_"]
        else:
            event["occurred_at"] = recorded_at
    event["recorded_at"] = recorded_at
    return event


_TYPES: dict[str, str] = {}  # stored topic -> event type (a few dozen)
_REPORTED = INCIDENT_TOPIC_PREFIX + "Incident.Reported"
# What a reporter sends beyond the contract's typed fields lands in these, as sent.
_FREE_FORM = ("location", "reporter", "extra")
_INT64 = 2.0 ** 63


def _beyond_64_bits(event: dict[str, Any]) -> bool:
    """Whether a free-form field may hold an integer orjson read as a float: it reads
    integers outside 64 bits so (the store wrote them exactly). A float that large is
    taken for one, and the record parsed again exactly: a true float stays a float."""
    return any(_huge_float(event.get(name)) for name in _FREE_FORM)


def _huge_float(value: Any) -> bool:
    if type(value) is float:
        return abs(value) >= _INT64
    if type(value) is dict:
        return any(_huge_float(v) for v in value.values())
    if type(value) is list:
        return any(_huge_float(v) for v in value)
    return False
