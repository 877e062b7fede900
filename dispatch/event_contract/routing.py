"""The published events of the report and its routing: reported, located, dispatched or
queued, reassigned, reclassified.

The stage of dispatch/domain/incident_routing.py (and the report, the aggregate's own
event), kept apart as the domain keeps it, so that a change to a stage's events and to its
contract sit side by side.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dispatch.event_contract.envelope import Envelope


class _Decision(Envelope):
    rule_id: str = Field(description="the rule that chose the target")
    policy_version: str = Field(description="content hash of the policy in force")
    sla_class: str


class Reported(Envelope):
    type: Literal["Reported"]
    source: str
    report_id: str
    category: str
    reported_at: datetime
    location: dict[str, Any]
    description: str
    priority: str
    reporter: dict[str, Any] | None
    attachments: list[str]
    extra: dict[str, Any]


class Place(BaseModel):
    """Where the territory put it; `grid` is null and `reason` says why when nothing did."""
    model_config = ConfigDict(extra="forbid")
    how: str | None = Field(description="qr_code, address_id, grid_id or point")
    grid: str | None
    community: str | None
    street: str | None
    district: str | None
    grid_kind: str | None
    managing_unit: str | None
    overlays: list[str]
    grid_workers: list[str] = Field(description="full-time workers holding the grid that day")
    address: str | None
    reason: str | None
    notes: list[str]


class Located(Envelope):
    type: Literal["Located"]
    place: Place


class Dispatched(_Decision):
    type: Literal["Dispatched"]
    department: str
    co_handling: list[str] = Field(description="协办 departments that assist")


class QueuedForManualDispatch(_Decision):
    type: Literal["QueuedForManualDispatch"]
    manual_queue: str


class Reassigned(_Decision):
    type: Literal["Reassigned"]
    department: str
    co_handling: list[str]
    by: str
    reason: str


class Reclassified(Envelope):
    type: Literal["Reclassified"]
    previous_category: str
    category: str
    by: str
