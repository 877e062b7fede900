"""The relay's records: stored rows made into the (key, JSON) records of `incidents.events`,
and the event dicts its own views are fed.

The JSON is written natively where the crate is built (native/src/published.rs): the
stored event's values copied as they are, byte for byte what the Python route writes
(`published_from_stored`, then orjson). The Python route had cost the relaying process
about 12.6 µs an incident (10.1 making the dicts, orjson's parse 3.4 of it; 2.5 writing
them); the event dicts are now parsed from the records, as a consumer of the topic parses
them. A row the native writer leaves (anything it does not expect) takes the Python route.

Values beyond what orjson writes (an integer beyond 64 bits in a reporter's free-form
fields, which the contract accepts) go out as the standard library writes them: orjson
refused them, and that refusal had stopped the relay at that row for good, every batch
after it held back.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

from dispatch.published import is_incident_event, published_from_stored
from infra.compact_json import kept_dumps
from infra.store_reader import Row

try:
    from grid_dispatch_native import published_records as native_published_records
except ImportError:   # not built: every row takes the Python route
    native_published_records = None


def records_of(rows: list[Row]) -> tuple[list[tuple[bytes, bytes]], list[dict[str, Any]]]:
    """The records of the incident events among `rows`, in order, and their event dicts."""
    made = native_published_records(rows) if native_published_records else [None] * len(rows)
    records, events, loads = [], [], orjson.loads
    for (_, originator_id, version, topic, state), value in zip(rows, made, strict=True):
        if value is None:
            if not is_incident_event(topic):
                continue
            event = published_from_stored(originator_id, version, topic, state)
            value = published_json(event)
        else:
            event = loads(value)
        records.append((originator_id.encode(), value))
        events.append(event)
    return records, events


def published_json(event: dict[str, Any]) -> bytes:
    """An event dict's JSON as orjson writes it; where orjson refuses a value, as the
    standard library writes it (compact, UTF-8)."""
    try:
        return kept_dumps(event)
    except orjson.JSONEncodeError:
        return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
