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
