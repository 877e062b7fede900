"""A report as the route step works on it: its incident's id and the `Reported` event's
fields, in the order of `Incident.__init__`.

Read natively where the report is plain (`grid_dispatch_native.ReportReader`,
native/src/report.rs: about 1.5 µs, against 11 for the contract's validation, its model's
dumps and the id's uuid5), else by the contract (dispatch/contracts.py), which judges
whatever the native reader leaves to it: a bad report's error always comes from there.
tests/unit/test_reports.py holds the two readings equal wherever the native one answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pydantic_core

from dispatch.contracts import IncidentReported, decode_report
from dispatch.domain.incident import INCIDENT_NAMESPACE, incident_id_for

try:
    from grid_dispatch_native import ReportReader
except ImportError:   # not built: every report goes through the contract
    ReportReader = None


@dataclass(frozen=True, slots=True)
class Report:
    incident_id: UUID
    fields: dict[str, Any]   # the `Reported` event's, in its constructor's order
    # `fields["reported_at"].isoformat()`, where the native reader wrote it (else None):
    # the stored event's text of it, without the datetime's round trip through Python
    reported_iso: str | None = None


def fields_of(report: IncidentReported) -> dict[str, Any]:
    """The `Reported` event's fields from the contract's model."""
    return {"source": report.source.value, "report_id": report.report_id,
            "category": report.category, "reported_at": report.reported_at,
            "location": report.location.model_dump(mode="json", exclude_none=True),
            "description": report.description, "priority": report.priority.value,
            "reporter": report.reporter.model_dump(mode="json", exclude_none=True)
            if report.reporter else None,
            "attachments": list(report.attachments), "extra": dict(report.model_extra or {})}


def by_contract(raw: bytes) -> Report:
    """Through the contract's validation only (raises `InvalidMessage`)."""
    report = decode_report(raw)
    return Report(incident_id_for(report.source.value, report.report_id), fields_of(report))


class ReportReading:
    """`read(raw)`: natively if it can, else by the contract. One per route step: the
    native reader keeps the time zones it has made."""

    def __init__(self, native: bool = True):
        self._native = ReportReader(INCIDENT_NAMESPACE.bytes, pydantic_core.TzInfo) \
            if native and ReportReader is not None else None

    def read(self, raw: bytes) -> Report:
        if self._native is not None:
            plain = self._native.read(raw)
            if plain is not None:
                return Report(UUID(bytes=plain[0]), plain[1], plain[2])
        return by_contract(raw)
