"""A view's table by incident whose entries are made when first asked for.

After a native replay (projections/native_replay.py) the views' state is plain Rust data;
making every incident's Python objects at once would cost about as much as the replay.
This table makes an incident's object when it is first looked up (then it is a dict entry
like any other) and all the rest the first time the table is gone through or counted.
The same shape as IncidentTable, so the views, their questions and `spread_tables` take it.
One thread at a time: the native replay refuses a second caller while one is making objects
(a worker spreads its tables, making them all, before its other threads start).
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


@contextmanager
def collector_paused():
    """Making every incident's objects at once makes the cyclic collector walk the growing
    views again and again: two thirds of the time, with it running (session 16)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class HandedOverTable(Generic[V]):
    __slots__ = ("_entries", "_take_one", "_take_all")

    def __init__(self, take_one: Callable[[str], V | None],
                 take_all: Callable[[], list[tuple[str, V]]]):
        self._entries: dict[str, V] = {}
        self._take_one: Callable[[str], V | None] | None = take_one
        self._take_all: Callable[[], list[tuple[str, V]]] | None = take_all

    def _all(self) -> dict[str, V]:
        """Every entry made: from now on a plain dict."""
        if self._take_one is not None:
            take_all = self._take_all
            # Let go of the native replay too: once every view has, its memory is freed.
            self._take_one = self._take_all = None
            with collector_paused():
                self._entries.update(take_all())
        return self._entries

    def get(self, key: str, default=None):
        value = self._entries.get(key, _MISSING)
        if value is _MISSING:
            if self._take_one is None or (value := self._take_one(key)) is None:
                return default
            self._entries[key] = value
        return value

    def __getitem__(self, key: str) -> V:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    def __setitem__(self, key: str, value: V) -> None:
        self.get(key)  # an entry still to be made must not come back over this one
        self._entries[key] = value

    def __delitem__(self, key: str) -> None:
        if self.pop(key, _MISSING) is _MISSING:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def pop(self, key: str, default=_MISSING):
        self.get(key)
        return self._entries.pop(key) if default is _MISSING else self._entries.pop(key, default)

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        yield from self._all().copy()

    def keys(self) -> list[str]:
        return list(self._all().copy())

    def values(self) -> list[V]:
        return list(self._all().copy().values())

    def items(self) -> list[tuple[str, V]]:
        return list(self._all().copy().items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]   # mutable, as a dict

    def __repr__(self) -> str:
        return f"HandedOverTable({len(self._entries)} made{'' if self._take_one is None else ', more to make'})"


Mapping.register(HandedOverTable)
