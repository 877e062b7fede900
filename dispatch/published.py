"""The outbound contract: how a stored domain event looks on `incidents.events`.

Every published event carries incident id, per-incident version (gap-free), type and
occurred-at, plus the event's own fields (routing decisions name their policy version
and rule id). Department systems and the projections read only this shape.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

_ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")
# Only the incident's own events go out; other records in the store (policy versions)
# are the engine's business.
INCIDENT_TOPIC_PREFIX = "dispatch.domain.incident:"


def is_incident_event(stored_topic: str) -> bool:
    return stored_topic.startswith(INCIDENT_TOPIC_PREFIX)


def published_event(domain_event: Any) -> dict[str, Any]:
    """The event as JSON-ready values (times as ISO strings): the same dict whether it
    comes off the topic or straight from the store."""
    body = {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in domain_event.__dict__.items() if key not in _ENVELOPE}
    # `at` is the business time a command names; a report happened when it was reported.
    occurred_at = body.pop("at", None) or body.get("reported_at") or domain_event.timestamp.isoformat()
    return {
        "incident_id": str(domain_event.originator_id),
        "version": domain_event.originator_version,
        "type": type(domain_event).__name__,
        "occurred_at": occurred_at,
        "recorded_at": domain_event.timestamp.isoformat(),
        **body,
    }
