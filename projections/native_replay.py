"""The replay of stored events into the views, done natively (the `native/` Rust crate).

The Python views are the reference: this fold gives the same state, which the tests hold
equal on whole simulated histories, and the objects it hands over are the views' own
(IncidentRow, IncidentFacts), made when first asked for (projections/handed_over_table.py).
It reads the rows a rebuild reads (infra/store_reader.py), not published dicts: decoding
each event into a dict costs more than the views' work (benchmarks/JOURNAL.md, session 16).

So far it folds the open-incidents rows and the incident facts; the SLA clocks and the
duplicate index are still Python's, so a rebuild does not use it yet. A row it cannot
take (a time in a form the store does not write, a field missing) raises ValueError naming
the incident and version; the caller replays in Python then, which is the reference.
"""
from __future__ import annotations

from collections.abc import Sequence

from projections.handed_over_table import HandedOverTable
from projections.incident_facts import IncidentFacts
from projections.open_incidents import IncidentRow

try:
    from grid_dispatch_native import Replay
except ImportError:  # not built: `make` builds it with the virtual environment
    Replay = None

Row = tuple[int, str, int, str, bytes]


def available() -> bool:
    return Replay is not None


class NativeFold:
    """Rows in (apply_rows, as often as needed), then the views' tables out, once."""

    def __init__(self) -> None:
        if Replay is None:
            raise RuntimeError("grid_dispatch_native is not built (see README: native/)")
        self._replay = Replay(IncidentRow, IncidentFacts)

    def apply_rows(self, rows: Sequence[Row]) -> int:
        """Fold a batch of stored rows; the number of incident events among them."""
        return self._replay.apply_rows(rows if isinstance(rows, list) else list(rows))

    def open_rows(self) -> HandedOverTable[IncidentRow]:
        return HandedOverTable(self._replay.take_open, self._replay.take_all_open)

    def facts(self) -> HandedOverTable[IncidentFacts]:
        return HandedOverTable(self._replay.take_facts, self._replay.take_all_facts)
