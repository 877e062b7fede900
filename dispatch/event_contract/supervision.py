"""The published events supervisors and the engine itself record: urged, voided, duplicates
merged and noted, SLA alerts, commands refused.

The stage of dispatch/domain/incident_supervision.py, kept apart as the domain keeps it.
"""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from dispatch.event_contract.envelope import Envelope


class Urged(Envelope):
    type: Literal["Urged"]
    by: str
    note: str


class Voided(Envelope):
    type: Literal["Voided"]
    by: str
    reason: str


class MergedAsDuplicate(Envelope):
    type: Literal["MergedAsDuplicate"]
    original_id: UUID
    by: str


class DuplicateRecorded(Envelope):
    type: Literal["DuplicateRecorded"]
    duplicate_id: UUID


class SlaAlerted(Envelope):
    """A stage reached at-risk (80%) or breached (100%), or a later escalation step."""
    type: Literal["SlaAlerted"]
    key: str = Field(description="stage clock, step and repeat: each alert once")
    stage: Literal["dispatch", "accept", "handle", "verify", "close"]
    level: Literal["at_risk", "breached"]
    step: int = Field(ge=0, description="index of the escalation step")
    notified: list[str] = Field(description="departments told")
    escalation_version: str


class CommandRejected(Envelope):
    """A command the incident refused, with the reason; the incident did not change."""
    type: Literal["CommandRejected"]
    command_id: str
    command_type: str
    issued_by: str
    reason: str
