"""The territory file (JSON): the whole territory with its dated history, as data.

Boundaries are GeoJSON-style `{"type": "Polygon", "coordinates": [[[lon, lat], ...]]}`.
Every record refuses unknown fields, so a misspelt field is reported, not ignored.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dispatch.territory.problems import ERROR, Problem, from_pydantic

FORMAT = "grid-dispatch/territory@1"
Code = Annotated[str, Field(min_length=1, max_length=64)]
Point = tuple[float, float]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolygonShape(Record):
    type: Literal["Polygon"]
    coordinates: list[Annotated[list[Point], Field(min_length=3)]] = Field(min_length=1)


class City(Record):
    code: Code
    name: str
    boundary: PolygonShape | None = None


class District(Record):
    code: Code
    name: str


class Street(Record):
    code: Code
    name: str
    district: Code


class Community(Record):
    code: Code
    name: str
    street: Code


class Department(Record):
    code: Code
    name: str
    level: Literal["city", "district", "street"]
    parent: Code | None = None
    unit: Code | None = None


class Transfer(Record):
    type: Literal["transfer"]
    effective_from: date
    to_street: Code
    to_community: Code | None = None
    kind: Literal["comprehensive", "exclusive"]
    managing_unit: Code | None = None


class Redraw(Record):
    type: Literal["redraw"]
    effective_from: date
    boundary: PolygonShape


class Grid(Record):
    id: Code
    name: str
    kind: Literal["comprehensive", "exclusive"]
    street: Code
    community: Code | None = None
    managing_unit: Code | None = None
    boundary: PolygonShape
    proposed_on: date
    approved_on: date | None = None
    filed_on: date | None = None
    effective_from: date | None = None
    retired_on: date | None = None
    changes: list[Annotated[Transfer | Redraw, Field(discriminator="type")]] = []


class AddressAssignment(Record):
    grid: Code
    effective_from: date


class Address(Record):
    id: Code
    text: str
    qr_code: Code | None = None
    point: Point
    assignments: list[AddressAssignment] = []


class WorkerAssignment(Record):
    grid: Code
    since: date
    until: date | None = None


class Worker(Record):
    id: Code
    name: str
    employment: Literal["full_time", "part_time"]
    assignments: list[WorkerAssignment] = []


class Overlay(Record):
    code: Code
    name: str
    host_district: Code
    district: Code
    grids: list[Code] = []
    communities: list[Code] = []
    categories: list[Code] = Field(min_length=1)
    effective_from: date
    effective_until: date | None = None


class TerritoryFile(Record):
    format: Literal["grid-dispatch/territory@1"]
    city: City
    as_of: date | None = Field(None, description="the day the checker reports staffing for")
    districts: list[District] = []
    streets: list[Street] = []
    communities: list[Community] = []
    departments: list[Department] = []
    grids: list[Grid] = []
    addresses: list[Address] = []
    workers: list[Worker] = []
    overlays: list[Overlay] = []


def read_territory_file(path: str | Path) -> tuple[TerritoryFile | None, list[Problem]]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        return None, [Problem(ERROR, "(file)", None, None, f"cannot read: {error}")]
    except json.JSONDecodeError as error:
        return None, [Problem(ERROR, f"line {error.lineno} column {error.colno}", None, None,
                              f"not JSON: {error.msg}")]
    return parse_territory(raw)


def parse_territory(raw: Any) -> tuple[TerritoryFile | None, list[Problem]]:
    try:
        return TerritoryFile.model_validate(raw), []
    except ValidationError as error:
        return None, [from_pydantic(raw, item) for item in error.errors(include_url=False)]
