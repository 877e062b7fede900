"""The published events of the department's side and the end of the loop: accepted,
returned (and the judgement on a return), resolved, closed or reopened on site, rated.

The stage of dispatch/domain/incident_handling.py, kept apart as the domain keeps it.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from dispatch.domain.incident_status import Rating
from dispatch.event_contract.envelope import Envelope


class Accepted(Envelope):
    type: Literal["Accepted"]
    department: str


class Returned(Envelope):
    type: Literal["Returned"]
    department: str
    reason: str


class ReturnJudged(Envelope):
    type: Literal["ReturnJudged"]
    number: int = Field(ge=1, description="which return of this incident, 1-based")
    department: str = Field(description="the department that returned it")
    justified: bool = Field(description="false: an unjustified return (推诿)")
    by: str
    note: str


class Resolved(Envelope):
    type: Literal["Resolved"]
    department: str
    result: str


class Closed(Envelope):
    type: Literal["Closed"]
    grid_worker: str
    note: str


class Reopened(Envelope):
    type: Literal["Reopened"]
    grid_worker: str
    note: str


class Rated(Envelope):
    type: Literal["Rated"]
    rating: Rating
    resolved: bool = Field(description="the reporter says the problem was solved (解决)")
    by: str
