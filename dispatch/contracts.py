"""The ingress contract: `IncidentReported`, as the smart-city platform publishes it.

Validated once, at the edge. A message that does not meet the contract becomes an
`InvalidMessage` naming each field, value and problem, so the dead letter can say exactly
what was wrong. Unknown extra fields are kept, not rejected.
"""
from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import (AwareDatetime, BaseModel, ConfigDict, Field, ValidationError,
                      model_validator)

CATEGORY_PATTERN = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"


class Source(str, Enum):
    GRID_WORKER = "grid_worker"
    HOTLINE = "hotline"
    APP = "app"
    SENSOR = "sensor"
    VIDEO = "video"


class Priority(str, Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Location(BaseModel):
    """Where it happened: at least one of QR code, address, coordinates or grid."""
    model_config = ConfigDict(extra="allow")

    qr_code: str | None = Field(None, min_length=1, max_length=256)
    address_id: str | None = Field(None, min_length=1, max_length=128)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    grid_id: str | None = Field(None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _some_place_given(self) -> "Location":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if not (self.qr_code or self.address_id or self.grid_id or self.lat is not None):
            raise ValueError("needs at least one of qr_code, address_id, lat+lon, grid_id")
        return self


class Reporter(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    name: str | None = None
    phone: str | None = None


class IncidentReported(BaseModel):
    """One report of an incident. `(source, report_id)` identifies it: a repeat is a no-op."""
    model_config = ConfigDict(extra="allow", title="IncidentReported")

    report_id: str = Field(min_length=1, max_length=128)
    source: Source
    category: str = Field(min_length=1, max_length=128, pattern=CATEGORY_PATTERN,
                          description="hierarchical code, segments separated by '.'")
    reported_at: AwareDatetime = Field(description="RFC 3339 with offset")
    location: Location
    description: str = Field(max_length=10_000)
    priority: Priority = Priority.NORMAL
    reporter: Reporter | None = None
    attachments: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _no_store_tags(self) -> "IncidentReported":
        """The event store writes a typed value as a dict of exactly `_type_` and `_data_`
        and, reading, turns every such dict back into a value or fails: a reporter's dict
        of that shape would leave the incident impossible to load. Refused here, by path."""
        kept = [("", self.model_extra), ("location.", self.location.model_extra),
                ("reporter.", self.reporter.model_extra if self.reporter else None)]
        for prefix, fields in kept:
            for name, value in (fields or {}).items():
                if (path := _tag_shaped(value, f"{prefix}{name}")) is not None:
                    raise ValueError(f"{path}: a dict of exactly the keys _type_ and _data_ is "
                                     "how the event store marks its typed values; send it under "
                                     "other keys")
        return self


def _tag_shaped(value: Any, path: str) -> str | None:
    """The path of the first dict in `value` shaped like the store's type tag, if any."""
    if isinstance(value, dict):
        if value.keys() == {"_type_", "_data_"}:
            return path
        found = (_tag_shaped(v, f"{path}.{k}") for k, v in value.items())
    elif isinstance(value, list):
        found = (_tag_shaped(v, f"{path}.{i}") for i, v in enumerate(value))
    else:
        return None
    return next((p for p in found if p is not None), None)


class InvalidMessage(ValueError):
    """A message that does not meet its contract; `reason` says why, field by field."""

    def __init__(self, reason: str, errors: list[dict[str, Any]]):
        super().__init__(reason)
        self.reason = reason
        self.errors = errors


def decode_report(raw: bytes) -> IncidentReported:
    try:
        return IncidentReported.model_validate_json(raw)
    except ValidationError as error:
        raise invalid("IncidentReported", error) from None


def invalid(contract: str, error: ValidationError) -> InvalidMessage:
    """The error for a message, naming every field, value and problem."""
    problems = [_describe(item) for item in error.errors(include_url=False)]
    reason = "; ".join(f"{p['field']}: {p['message']}" + (
        f" (value: {p['value']!r})" if "value" in p else "") for p in problems)
    return InvalidMessage(f"invalid {contract}: {reason}", problems)


def _describe(item: dict[str, Any]) -> dict[str, Any]:
    field = ".".join(str(part) for part in item.get("loc", ())) or "(message)"
    problem: dict[str, Any] = {"field": field, "type": item["type"], "message": item["msg"]}
    if item["type"] not in ("missing", "json_invalid") and "input" in item:
        value = item["input"]
        problem["value"] = value if isinstance(value, (str, int, float, bool, type(None))) \
            else repr(value)[:200]
    return problem

