"""The envelope every published event carries: incident, version and the two times.

Apart from the events so that each stage's module (routing, handling, clock, supervision)
builds on the same fields, and a change to them is one edit.
"""
from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_id: UUID
    version: int = Field(ge=1, description="per incident, gap-free, starting at 1")
    occurred_at: AwareDatetime = Field(description="business time of the event")
    recorded_at: AwareDatetime = Field(description="when the store recorded it")
