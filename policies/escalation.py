"""The escalation policy: which roles are told at 80%, at 100%, and after a breach, how often.

Steps fire at the instants the SLA clock gives (at-risk, breached) plus an optional delay
in the stage's own time, and a step may repeat. Working-time stages therefore never alert
outside working hours; urgent (calendar-time) stages alert day and night.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from policies.calendar import BusinessCalendar
from policies.calendar_timeline import CalendarRangeError
from policies.config_file import parse_config
from policies.sla_classes import Limit

ESCALATION_POLICY = Path(__file__).parent / "data" / "escalation.toml"
Role = Literal["holder", "street", "district", "city"]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    level: Literal["at_risk", "breached"]
    notify: tuple[Role, ...] = Field(min_length=1)
    after: Limit | None = None
    repeat_every: Limit | None = None
    repeat_limit: int = Field(0, ge=0)


class EscalationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    step: tuple[Step, ...] = Field(min_length=1)
    version: str = ""

    @classmethod
    def load(cls, path: Path = ESCALATION_POLICY) -> "EscalationPolicy":
        raw = Path(path).read_bytes()
        policy = parse_config(cls, raw, str(path))
        return policy.model_copy(update={"version": "sha256:" + hashlib.sha256(raw).hexdigest()[:16]})


def fire_times(step: Step, level_at: datetime, measure: str,
               calendar: BusinessCalendar) -> Iterator[datetime]:
    """When a step fires, given when its level was reached: first, then each repeat, worked
    out only as far as the caller reads (the SLA watcher stops at the first instant still
    to come). A first instant beyond the business calendar's last year raises
    CalendarRangeError; repeats beyond it are left out (not known yet)."""
    def later(start: datetime, limit: Limit | None) -> datetime:
        if limit is None:
            return start
        # A working-time span stays working time; on a calendar-time stage it is taken as
        # the same amount of absolute time (a working day of 7 hours is then 7 hours).
        span = calendar.span(limit.amount, limit.unit)
        return calendar.advance(start, span, measure)

    fires_at = later(level_at, step.after)
    yield fires_at
    for _ in range(step.repeat_limit if step.repeat_every else 0):
        try:
            fires_at = later(fires_at, step.repeat_every)
        except CalendarRangeError:
            return
        yield fires_at
