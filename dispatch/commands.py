"""The command contract: what departments, grid workers and supervisors send on
`incidents.commands` (JSON, key = incident id), validated at the edge.

Every command carries a `command_id` (the idempotency key: the same id twice is one
command), the incident it is about, who issued it and when (`at`, business time). A
command that is not valid JSON or misses a field is dead-lettered with the reason.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from dispatch.contracts import CATEGORY_PATTERN, invalid
from dispatch.domain.incident_status import Rating

Text = Annotated[str, Field(min_length=1, max_length=4000)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    command_id: str = Field(min_length=1, max_length=128)
    incident_id: UUID
    issued_by: str = Field(min_length=1, max_length=128, description="department, worker or supervisor")
    at: AwareDatetime = Field(description="when it happened (business time)")


class Accept(_Command):
    type: Literal["accept"]
    department: str


class Return(_Command):
    type: Literal["return"]
    department: str
    reason: Text


class JudgeReturn(_Command):
    type: Literal["judge_return"]
    number: int = Field(ge=1)
    justified: bool
    note: Text


class RequestExtension(_Command):
    type: Literal["request_extension"]
    department: str
    hours: float = Field(gt=0, le=24 * 90)
    reason: Text


class DecideExtension(_Command):
    type: Literal["decide_extension"]
    granted: bool
    reason: str = ""


class Suspend(_Command):
    type: Literal["suspend"]
    reason: Text


class Resume(_Command):
    type: Literal["resume"]


class Resolve(_Command):
    type: Literal["resolve"]
    department: str
    result: Text


class Verify(_Command):
    type: Literal["verify"]
    passed: bool
    note: str = ""


class Rate(_Command):
    type: Literal["rate"]
    rating: Rating
    resolved: bool = True


class Reassign(_Command):
    type: Literal["reassign"]
    department: str
    reason: Text


class Urge(_Command):
    type: Literal["urge"]
    note: str = ""


class Void(_Command):
    type: Literal["void"]
    reason: Text


class Reclassify(_Command):
    type: Literal["reclassify"]
    category: str = Field(pattern=CATEGORY_PATTERN, max_length=128)


COMMAND_MODELS = (Accept, Return, JudgeReturn, RequestExtension, DecideExtension, Suspend,
                  Resume, Resolve, Verify, Rate, Reassign, Urge, Void, Reclassify)
IncidentCommand = Annotated[Union[COMMAND_MODELS], Field(discriminator="type")]
incident_command = TypeAdapter(IncidentCommand)


def decode_command(raw: bytes) -> _Command:
    try:
        return incident_command.validate_json(raw)
    except ValidationError as error:
        raise invalid("IncidentCommand", error) from None
