"""The outbound contract: pydantic models of every event published on `incidents.events`.

Written out by hand on purpose: this is what department systems code against, so a change
to a domain event must show up here as a deliberate edit (a test compares the two).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from dispatch.domain.incident_status import Rating


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_id: UUID
    version: int = Field(ge=1, description="per incident, gap-free, starting at 1")
    occurred_at: AwareDatetime = Field(description="business time of the event")
    recorded_at: AwareDatetime = Field(description="when the store recorded it")


class _Decision(_Envelope):
    rule_id: str = Field(description="the rule that chose the target")
    policy_version: str = Field(description="content hash of the policy in force")
    sla_class: str


class Reported(_Envelope):
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


class Located(_Envelope):
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


class Reclassified(_Envelope):
    type: Literal["Reclassified"]
    previous_category: str
    category: str
    by: str


class Accepted(_Envelope):
    type: Literal["Accepted"]
    department: str


class Returned(_Envelope):
    type: Literal["Returned"]
    department: str
    reason: str


class ExtensionRequested(_Envelope):
    type: Literal["ExtensionRequested"]
    department: str
    hours: float
    reason: str


class ExtensionGranted(_Envelope):
    type: Literal["ExtensionGranted"]
    hours: float
    by: str


class ExtensionRefused(_Envelope):
    type: Literal["ExtensionRefused"]
    by: str
    reason: str


class Suspended(_Envelope):
    type: Literal["Suspended"]
    by: str
    reason: str


class Resumed(_Envelope):
    type: Literal["Resumed"]
    by: str


class Resolved(_Envelope):
    type: Literal["Resolved"]
    department: str
    result: str


class Closed(_Envelope):
    type: Literal["Closed"]
    grid_worker: str
    note: str


class Reopened(_Envelope):
    type: Literal["Reopened"]
    grid_worker: str
    note: str


class Rated(_Envelope):
    type: Literal["Rated"]
    rating: Rating
    resolved: bool = Field(description="the reporter says the problem was solved (解决)")
    by: str


class ReturnJudged(_Envelope):
    type: Literal["ReturnJudged"]
    number: int = Field(ge=1, description="which return of this incident, 1-based")
    department: str = Field(description="the department that returned it")
    justified: bool = Field(description="false: an unjustified return (推诿)")
    by: str
    note: str


class Urged(_Envelope):
    type: Literal["Urged"]
    by: str
    note: str


class Voided(_Envelope):
    type: Literal["Voided"]
    by: str
    reason: str


class MergedAsDuplicate(_Envelope):
    type: Literal["MergedAsDuplicate"]
    original_id: UUID
    by: str


class SlaAlerted(_Envelope):
    """A stage reached at-risk (80%) or breached (100%), or a later escalation step."""
    type: Literal["SlaAlerted"]
    key: str = Field(description="stage clock, step and repeat: each alert once")
    stage: Literal["dispatch", "accept", "handle", "verify", "close"]
    level: Literal["at_risk", "breached"]
    step: int = Field(ge=0, description="index of the escalation step")
    notified: list[str] = Field(description="departments told")
    escalation_version: str


class CommandRejected(_Envelope):
    """A command the incident refused, with the reason; the incident did not change."""
    type: Literal["CommandRejected"]
    command_id: str
    command_type: str
    issued_by: str
    reason: str


class DuplicateRecorded(_Envelope):
    type: Literal["DuplicateRecorded"]
    duplicate_id: UUID


EVENT_MODELS: tuple[type[_Envelope], ...] = (
    Reported, Located, Dispatched, QueuedForManualDispatch, Reassigned, Reclassified, Accepted,
    Returned, ExtensionRequested, ExtensionGranted, ExtensionRefused, Suspended, Resumed,
    Resolved, Closed, Reopened, Rated, ReturnJudged, Urged, Voided, MergedAsDuplicate, DuplicateRecorded,
    CommandRejected, SlaAlerted,
)
IncidentEvent = Annotated[Union[EVENT_MODELS], Field(discriminator="type")]
incident_event = TypeAdapter(IncidentEvent)
