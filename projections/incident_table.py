"""A mapping by incident id that grows without a long pause, for a live worker's views.

A dict that fills up moves every entry to a table twice the size, all at once: 18-21 ms
at 349,525 string keys, 64 ms at 699,050 (one run, beside another process), in one
insertion. A worker's views keep five dicts by incident, filled by the same events, so
they grew in the same batch: fed batches of 1,000 events, the views took 79 ms for the
batch at 349,650 incidents, 43 ms at 174,825, against a median of 6 ms. At 2,000
reports/s a worker reaches those sizes at 87 s and 174 s; in two of four 180 s latency
runs without this table, the relaying worker was held about 160 ms (its thread running)
within the run's slowest seconds, at 171-175 s. A dict also rebuilds its table when
deleted entries have filled it, so a worker that lets finished incidents go pays again:
held at 300,000 entries, one in and the oldest out, a dict paused 14-15 ms twice in
600,000 insertions; this table never over 3 ms.

Here the entries are spread over 64 dicts by the key's hash; each grows on its own,
moving a 64th of the entries or so. Given equal shares they all fill within a few per
cent of each other (measured: 20,475 entries moved within 1,000 insertions around
87,000, where one dict moves 87,381 in one), so the shards take unequal shares, from 1
to 2 (as 2 ** (i / 64)): each reaches a dict's growth point at its own total, spread
over every doubling. The price is a Python call on every access (130-170 ns more than a
dict's; the views 15-22% slower to fill), so replays, which nobody waits on mid-way,
fill plain dicts, and a worker spreads its tables once they are built
(`Views.spread_tables`).

Iterating goes over a copy of each shard: another thread (the metrics server) may read
while the event loop's thread writes. Copying a shard with `list(...)` over its keys,
values or items was not enough: the test of that failed with "dictionary changed size
during iteration", most likely because the objects made can start a garbage collection,
whose callbacks (hypothesis has one, the worker two) run Python code and so let the
writing thread in halfway. `dict.copy` makes no object per entry, and the test passes.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

V = TypeVar("V")
SHARDS = 64
SLOTS = 4096   # a key's hash picks a slot, the slot a shard (`& 4095` below: a constant)


def _shard_of_slot() -> tuple[int, ...]:
    weights = [2 ** (i / SHARDS) for i in range(SHARDS)]
    counts = [round(SLOTS * w / sum(weights)) for w in weights]
    counts[-1] += SLOTS - sum(counts)
    return tuple(shard for shard, count in enumerate(counts) for _ in range(count))


_SHARD = _shard_of_slot()
_MISSING = object()


class IncidentTable(Generic[V]):
    __slots__ = ("_shards", "_by_slot")

    def __init__(self, entries: Mapping[str, V] | Iterable[tuple[str, V]] = ()):
        self._shards: list[dict[str, V]] = [{} for _ in range(SHARDS)]
        # Each slot's shard itself (not its number): one lookup less an access, 40 ns.
        self._by_slot = tuple(self._shards[shard] for shard in _SHARD)
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        for key, value in pairs:
            self._by_slot[hash(key) & 4095][key] = value

    # Each method below looks its shard up inline rather than through `shard_of`: a call
    # more would cost about 50 ns an access, on the views' path for every event.
    def shard_of(self, key: str) -> dict[str, V]:
        """The dict that holds `key` (or would)."""
        return self._by_slot[hash(key) & 4095]

    def get(self, key: str, default=None):
        return self._by_slot[hash(key) & 4095].get(key, default)

    def __getitem__(self, key: str) -> V:
        return self._by_slot[hash(key) & 4095][key]

    def __setitem__(self, key: str, value: V) -> None:
        self._by_slot[hash(key) & 4095][key] = value

    def __delitem__(self, key: str) -> None:
        del self._by_slot[hash(key) & 4095][key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_slot[hash(key) & 4095]

    def pop(self, key: str, default=_MISSING):
        shard = self.shard_of(key)
        return shard.pop(key) if default is _MISSING else shard.pop(key, default)

    def __len__(self) -> int:
        return sum(map(len, self._shards))

    def __iter__(self) -> Iterator[str]:
        for shard in self._shards:
            yield from shard.copy()

    def keys(self) -> list[str]:
        return [key for shard in self._shards for key in shard.copy()]

    def values(self) -> list[V]:
        return [value for shard in self._shards for value in shard.copy().values()]

    def items(self) -> list[tuple[str, V]]:
        return [item for shard in self._shards for item in shard.copy().items()]

    def clear(self) -> None:
        for shard in self._shards:
            shard.clear()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (IncidentTable, Mapping)):
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]   # mutable, as a dict

    def __repr__(self) -> str:
        return f"IncidentTable({len(self)} incidents)"


Mapping.register(IncidentTable)
