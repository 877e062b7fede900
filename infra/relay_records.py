"""The relay's records: stored rows made into the (key, JSON) records of `incidents.events`,
and the event dicts its own views are fed.

The JSON is written natively where the crate is built (native/src/published.rs): the
stored event's values copied as they are, byte for byte what the Python route writes
(`published_from_stored`, then orjson). The Python route had cost the relaying process
about 12.6 µs an incident (10.1 making the dicts, orjson's parse 3.4 of it; 2.5 writing
them); the event dicts are now parsed from the records, as a consumer of the topic parses
them. A row the native writer leaves (anything it does not expect) takes the Python route.

A row neither route can read (a state that is not the store's JSON: written by hand, or
by a store configured otherwise) is handed back with the reason, for the relay to
dead-letter: one such row had held back every event after it, for good.

Values beyond what orjson writes (an integer beyond 64 bits in a reporter's free-form
fields, which the contract accepts) go out as the standard library writes them: orjson
refused them, and that refusal had stopped the relay at that row for good, every batch
after it held back.
"""
from __future__ import annotations

import json
from typing import Any, NamedTuple

import orjson

from dispatch.published import UNREADABLE, is_incident_event, published_from_stored
from infra.compact_json import kept_dumps
from infra.store_reader import Row

try:
    from grid_dispatch_native import published_records as native_published_records
except ImportError:   # not built: every row takes the Python route
    native_published_records = None


class Published(NamedTuple):
    records: list[tuple[bytes, bytes]]   # (key, JSON) of each incident event, in order
    events: list[dict[str, Any]]         # their event dicts
    refused: list[tuple[Row, str]]       # incident events that cannot be read, and why


def records_of(rows: list[Row]) -> Published:
    """The records of the incident events among `rows`, their event dicts, and the rows
    that could not be made records."""
    made = native_published_records(rows) if native_published_records else [None] * len(rows)
    records, events, refused, loads = [], [], [], orjson.loads
    for row, value in zip(rows, made, strict=True):
        _, originator_id, version, topic, state = row
        try:
            if value is None:
                if not is_incident_event(topic):
                    continue
                event = published_from_stored(originator_id, version, topic, state)
                value = published_json(event)
            else:
                try:
                    event = loads(value)
                except ValueError:   # copied as stored, what orjson cannot read (a lone
                    # surrogate): the Python route's answer, as a replay of the store gives it
                    event = published_from_stored(originator_id, version, topic, state)
                    value = published_json(event)
        except UNREADABLE as error:
            refused.append((row, f"{type(error).__name__}: {error}"))
            continue
        records.append((originator_id.encode(), value))
        events.append(event)
    return Published(records, events, refused)


def published_json(event: dict[str, Any]) -> bytes:
    """An event dict's JSON as orjson writes it; where orjson refuses a value, as the
    standard library writes it (compact, UTF-8)."""
    try:
        return kept_dumps(event)
    except orjson.JSONEncodeError:
        return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def published_events(rows: list[Row]) -> tuple[list[dict[str, Any]], list[tuple[Row, str]]]:
    """The event dicts of the incident events among `rows`, and the rows `records_of`
    refuses, with the same reasons: what a replay of the store feeds the views, so that
    they equal the views the relay fed."""
    events, refused = [], []
    for row in rows:
        _, originator_id, version, topic, state = row
        if is_incident_event(topic):
            try:
                events.append(published_from_stored(originator_id, version, topic, state))
            except UNREADABLE as error:
                refused.append((row, f"{type(error).__name__}: {error}"))
    return events, refused
