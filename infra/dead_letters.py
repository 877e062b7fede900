"""Dead letters: a bad message, its original bytes and where it came from, and why."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import orjson

from dispatch.service_layer.inbound import DeadLetter


def dead_letter_record(letter: DeadLetter) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers for the dead-letter topic.

    The value is a JSON envelope that any consumer can read; the original bytes are kept
    exactly (base64), and as text too when they are valid UTF-8, for people reading it.
    """
    message = letter.message
    try:
        original_text: str | None = message.value.decode("utf-8")
    except UnicodeDecodeError:
        original_text = None
    envelope = {
        "reason": letter.reason,
        "errors": letter.errors,
        "source": {"topic": message.topic, "partition": message.partition,
                   "offset": message.offset,
                   "key": message.key.decode("utf-8", "replace") if message.key else None},
        "original_base64": base64.b64encode(message.value).decode("ascii"),
        "original_text": original_text,
        "dead_lettered_at": datetime.now(timezone.utc).isoformat(),
    }
    headers = [
        ("dlq.reason", letter.reason[:1000].encode()),
        ("dlq.source.topic", message.topic.encode()),
        ("dlq.source.partition", str(message.partition).encode()),
        ("dlq.source.offset", str(message.offset).encode()),
    ]
    return message.key, orjson.dumps(envelope), headers
