"""Dead letters: a bad message, its original bytes and where it came from, and why; or a
stored event the relay could not publish, likewise."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import orjson

from dispatch.service_layer.inbound import DeadLetter

if TYPE_CHECKING:
    from infra.store_reader import Row


# A dead letter must fit in a Kafka request (aiokafka's 1 MiB): above these sizes the
# original goes without its text, then without its bytes (their length and hash stay, and
# a stored event's row stays in the store).
TEXT_UP_TO, BYTES_UP_TO = 256 * 1024, 640 * 1024


def _original(value: bytes) -> dict[str, str | int | None]:
    """The exact bytes (base64), and as text too when they are valid UTF-8."""
    if len(value) > BYTES_UP_TO:
        return {"original_base64": None, "original_text": None, "original_bytes": len(value),
                "original_sha256": hashlib.sha256(value).hexdigest()}
    try:
        text: str | None = value.decode("utf-8") if len(value) <= TEXT_UP_TO else None
    except UnicodeDecodeError:
        text = None
    return {"original_base64": base64.b64encode(value).decode("ascii"), "original_text": text}


def dead_letter_record(letter: DeadLetter) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers for the dead-letter topic.

    The value is a JSON envelope that any consumer can read; the original bytes are kept
    exactly (base64), and as text too when they are valid UTF-8, for people reading it.
    """
    message = letter.message
    envelope = {
        "reason": letter.reason,
        "errors": letter.errors,
        "source": {"topic": message.topic, "partition": message.partition,
                   "offset": message.offset,
                   "key": message.key.decode("utf-8", "replace") if message.key else None},
        **_original(message.value),
        "dead_lettered_at": datetime.now(timezone.utc).isoformat(),
    }
    headers = [
        ("dlq.reason", letter.reason[:1000].encode()),
        ("dlq.source.topic", message.topic.encode()),
        ("dlq.source.partition", str(message.partition).encode()),
        ("dlq.source.offset", str(message.offset).encode()),
    ]
    return message.key, orjson.dumps(envelope), headers


def stored_event_dead_letter(row: Row, reason: str, store: str
                             ) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers for a stored event the relay could not publish: the same
    envelope, its source the store's row (the original bytes are the stored state)."""
    notification_id, incident_id, version, topic, state = row
    if not isinstance(state, bytes):   # typed by hand into the BLOB column: text, a number
        state = b"" if state is None else str(state).encode("utf-8", "replace")
    reason = f"stored event could not be published: {reason}"
    envelope = {
        "reason": reason,
        "errors": [],
        "source": {"store": store, "notification_id": notification_id,
                   "incident_id": str(incident_id), "version": version, "event_topic": topic},
        **_original(state),
        "dead_lettered_at": datetime.now(timezone.utc).isoformat(),
    }
    headers = [
        ("dlq.reason", reason[:1000].encode()),
        ("dlq.source.store", store.encode()),
        ("dlq.source.notification_id", str(notification_id).encode()),
    ]
    return str(incident_id).encode(), orjson.dumps(envelope), headers
