"""The routing policy file, as city staff write it (TOML), validated with pydantic.

A rule says: for incidents of this category (a prefix covers its sub-categories), in this
part of the territory, from these sources, of these priorities, at these times of day and
kinds of day, while these dates are in force, the responsible department is X (with these
co-handling departments) on this SLA class.
"""
from __future__ import annotations

import re
from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CATEGORY = r"^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$"
CODE = r"^[A-Za-z0-9_.:-]+$"
SOURCES = Literal["grid_worker", "hotline", "app", "sensor", "video"]
PRIORITIES = Literal["low", "normal", "high", "urgent"]
DAY_KINDS = Literal["workday", "weekend", "holiday"]
TERRITORY_KEYS = ("grid", "area", "community", "street", "district")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """At most one place (grid, named area, community, street, district; none = the whole
    city), optionally narrowed to one grid kind."""
    grid: str | None = Field(None, pattern=CODE)
    area: str | None = Field(None, pattern=CODE)
    community: str | None = Field(None, pattern=CODE)
    street: str | None = Field(None, pattern=CODE)
    district: str | None = Field(None, pattern=CODE)
    grid_kind: Literal["comprehensive", "exclusive"] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> "Scope":
        places = [key for key in TERRITORY_KEYS if getattr(self, key) is not None]
        if len(places) > 1:
            raise ValueError(f"names more than one place ({', '.join(places)}); use one")
        return self

    @property
    def place(self) -> tuple[str, str | None]:
        for key in TERRITORY_KEYS:
            value = getattr(self, key)
            if value is not None:
                return key, value
        return "city", None


class TimeWindow(_Strict):
    """Time of day [start, end); a window whose end is not after its start wraps midnight."""
    start: time = Field(alias="from")
    end: time = Field(alias="until")

    @model_validator(mode="after")
    def _not_empty(self) -> "TimeWindow":
        if self.start == self.end:
            raise ValueError("from and until are equal: the window would be empty")
        return self


class Effective(_Strict):
    """Dates in force: from (inclusive) until (exclusive); either may be open."""
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="until")

    @model_validator(mode="after")
    def _ordered(self) -> "Effective":
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"until {self.end} is not after from {self.start}")
        return self


class Rule(_Strict):
    id: str = Field(pattern=CODE, max_length=80)
    category: str = Field(pattern=CATEGORY, description="prefix; '*' for every category")
    scope: Scope = Scope()
    source: tuple[SOURCES, ...] | None = None
    priority: tuple[PRIORITIES, ...] | None = None
    hours: TimeWindow | None = None
    days: tuple[DAY_KINDS, ...] | None = None
    effective: Effective = Effective()
    department: str = Field(pattern=CODE)
    co_handling: tuple[str, ...] = ()
    sla_class: str | None = Field(None, pattern=CODE)
    precedence: int = Field(0, description="breaks ties between equally specific rules")
    note: str = ""

    @field_validator("source", "priority", "days")
    @classmethod
    def _non_empty(cls, value: tuple | None) -> tuple | None:
        if value is not None and not value:
            raise ValueError("an empty list would never match; leave it out to match all")
        return value

    @model_validator(mode="after")
    def _co_handling_differs(self) -> "Rule":
        if self.department in self.co_handling:
            raise ValueError(f"{self.department} is both responsible and co-handling")
        return self


class Charter(_Strict):
    """An exclusive grid's managing unit takes the categories its charter lists; the rest
    falls through to the normal rules. Which grids a unit manages, and since when, is the
    territory's business, so a transfer needs no policy change."""
    managing_unit: str = Field(pattern=CODE)
    categories: tuple[str, ...] = Field(min_length=1)
    exceptions: tuple[str, ...] = Field((), alias="except",
                                        description="categories under those listed that stay "
                                                    "with the normal rules")
    sla_class: str | None = Field(None, pattern=CODE)
    effective: Effective = Effective()

    @field_validator("categories", "exceptions")
    @classmethod
    def _categories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in value if not re.match(CATEGORY, c)]
        if bad:
            raise ValueError(f"not category codes: {bad}")
        return value


class PolicyHeader(_Strict):
    name: str
    default_sla_class: str = Field(pattern=CODE)
    return_limit: int = Field(2, ge=1, description="returns before the manual queue")
    city_queue: str = Field("city-command-centre", pattern=CODE)
    timezone: str = "Asia/Shanghai"


class PolicyDocument(_Strict):
    policy: PolicyHeader
    rules: tuple[Rule, ...] = Field(alias="rule", default=())
    charters: tuple[Charter, ...] = Field(alias="charter", default=())

    @model_validator(mode="after")
    def _unique_ids(self) -> "PolicyDocument":
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self
