import base64

import orjson

from dispatch.service_layer.inbound import DeadLetter, InboundMessage
from infra.dead_letters import dead_letter_record


def test_the_envelope_keeps_the_original_bytes_reason_and_position():
    original = b"\xff{not json at all"
    letter = DeadLetter(InboundMessage("incidents.reported", 4, 1234, b"R-9", original),
                        "invalid IncidentReported: (message): Invalid JSON", [])
    key, value, headers = dead_letter_record(letter)
    envelope = orjson.loads(value)
    assert key == b"R-9"
    assert base64.b64decode(envelope["original_base64"]) == original
    assert envelope["original_text"] is None  # not UTF-8: only the exact bytes are kept
    assert envelope["source"] == {"topic": "incidents.reported", "partition": 4,
                                  "offset": 1234, "key": "R-9"}
    assert envelope["reason"].startswith("invalid IncidentReported")
    assert dict(headers)["dlq.source.offset"] == b"1234"


def test_a_stored_event_s_letter_names_its_row_and_keeps_what_the_store_holds():
    from infra.dead_letters import BYTES_UP_TO, TEXT_UP_TO, stored_event_dead_letter
    row = (42, "6f1c9a8e-0000-4000-8000-000000000001", 3, "dispatch.domain.incident:Incident.Located",
           b"\x00oops")
    key, value, headers = stored_event_dead_letter(row, "JSONDecodeError: no", "store.sqlite")
    envelope = orjson.loads(value)
    assert key == row[1].encode() and base64.b64decode(envelope["original_base64"]) == b"\x00oops"
    assert envelope["source"] == {"store": "store.sqlite", "notification_id": 42,
                                  "incident_id": row[1], "version": 3,
                                  "event_topic": "dispatch.domain.incident:Incident.Located"}
    assert envelope["reason"] == "stored event could not be published: JSONDecodeError: no"
    assert dict(headers)["dlq.source.notification_id"] == b"42"
    # Typed by hand into the BLOB column: text or nothing, not bytes.
    for state, kept in (('{"oops', b'{"oops'), (None, b"")):
        _, value, _ = stored_event_dead_letter((*row[:4], state), "why", "s")
        assert base64.b64decode(orjson.loads(value)["original_base64"]) == kept
    # Large: without its text, then without its bytes, so that the letter fits a request.
    _, value, _ = stored_event_dead_letter((*row[:4], b"x" * (TEXT_UP_TO + 1)), "why", "s")
    assert orjson.loads(value)["original_text"] is None and len(value) < 1024 * 1024
    big = b"x" * (BYTES_UP_TO + 1)
    _, value, _ = stored_event_dead_letter((*row[:4], big), "why", "s")
    envelope = orjson.loads(value)
    assert envelope["original_base64"] is None and envelope["original_bytes"] == len(big)
    assert len(value) < 10_000
