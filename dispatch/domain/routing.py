"""What a routing policy answers: a department, or a named manual-dispatch queue, never nothing."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    rule_id: str
    policy_version: str
    sla_class: str
    department: str | None = None
    manual_queue: str | None = None
    co_handling: tuple[str, ...] = ()   # 协办: departments that assist the responsible one

    def __post_init__(self) -> None:
        if (self.department is None) == (self.manual_queue is None):
            raise ValueError("a decision names exactly one of department or manual_queue")

    @property
    def target(self) -> str:
        return self.department or f"queue:{self.manual_queue}"
