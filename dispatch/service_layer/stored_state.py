"""An event's state as the store writes it, for a caller that builds the state itself
(new_incidents.py) rather than from a domain event object."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Mapper


class StateWriter:
    """An event's state as `Mapper.to_stored_event` stores it: transcoded, compressed and
    encrypted as the mapper would. (The mapper adds a class version above 1 as a field:
    tests/unit/test_new_incidents.py checks the events written so have none.)"""

    def __init__(self, mapper: Mapper):
        self.mapper = mapper
        # A time as the transcoder writes it, where it says (infra/json_transcoder.py),
        # so its encoder meets no datetime; else the time, for `encode` to write.
        self.tag: Callable[[datetime], Any] = getattr(mapper.transcoder, "tag", lambda t: t)
        self._tag_iso: Callable[[str], Any] | None = getattr(mapper.transcoder, "tag_iso", None)
        self._shared: tuple[Any, Any, tuple[Any, Any]] = (None, None, (None, None))

    def tags(self, timestamp: datetime, at: datetime) -> tuple[Any, Any]:
        """The tags of the two times a route batch's new incidents share (the store's and
        `at`), worked out once a batch: each report's own time, tagged between them, would
        push them out of the transcoder's one-time cache. A tuple, replaced whole."""
        shared = self._shared
        if shared[0] is timestamp and shared[1] is at:
            return shared[2]
        tags = (self.tag(timestamp), self.tag(at))
        self._shared = (timestamp, at, tags)
        return tags

    def tag_iso(self, iso: str, moment: datetime) -> Any:
        """`tag(moment)`, given `moment.isoformat()`: written without the datetime where the
        transcoder says how (infra/json_transcoder.py)."""
        tag_iso = self._tag_iso
        return tag_iso(iso) if tag_iso is not None else self.tag(moment)

    def encode(self, state: dict[str, Any]) -> bytes:
        mapper = self.mapper
        data = mapper.transcoder.encode(state)
        if mapper.compressor:
            data = mapper.compressor.compress(data)
        if mapper.cipher:
            data = mapper.cipher.encrypt(data)
        return data
