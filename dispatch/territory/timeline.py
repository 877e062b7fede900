"""Dated values: a list of (effective_from, value), oldest first; None means "from the start"."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

T = TypeVar("T")
Entry = tuple[date | None, Any]


def value_at(entries: Sequence[tuple[date | None, T]], day: date) -> T | None:
    for start, value in reversed(entries):
        if start is None or start <= day:
            return value
    return None


def periods(entries: Sequence[tuple[date | None, T]], start: date,
            end: date | None) -> list[tuple[date, date | None, T]]:
    """Cut [start, end) into the spans where each entry is in force (end None = open)."""
    spans: list[tuple[date, date | None, T]] = []
    for index, (since, value) in enumerate(entries):
        until = entries[index + 1][0] if index + 1 < len(entries) else None
        lo = start if since is None else max(start, since)
        hi = end if until is None else (until if end is None else min(end, until))
        if hi is None or lo < hi:
            spans.append((lo, hi, value))
    return spans


def spans_meet(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return (a_end is None or b_start < a_end) and (b_end is None or a_start < b_end)


def last_start(entries: Sequence[tuple[date | None, Any]]) -> date | None:
    return entries[-1][0] if entries else None
