"""One scorecard's counts (a `Tally`) and the rates worked out from them, as percentages
rounded half up.

Apart from the crediting in projections/evaluation.py (which incident counts where, under
which formula, written out there): what a scorecard holds and how a rate is rounded, which
the reports print (`as_dict`), the ranking scores, and the governance report
(projections/governance.py) rounds its own rate by.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass
class Tally:
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    dispatch_stages: int = 0
    dispatched_on_time: int = 0
    acceptances: int = 0
    accepted_on_time: int = 0
    handlings: int = 0
    handled_on_time: int = 0
    verifications: int = 0
    failed_verifications: int = 0
    dispatches_received: int = 0
    returns: int = 0
    closed_in_period: int = 0
    extended: int = 0
    suspended: int = 0
    unjustified_returns: int = 0
    first_dispatches: int = 0
    first_dispatch_kept: int = 0
    ratings: int = 0
    satisfied: int = 0
    solved: int = 0

    def rates(self) -> dict[str, Decimal | None]:
        return {
            "closure_rate": percent(self.closed, self.due),
            "on_time_closure_rate": percent(self.closed_on_time, self.due),
            "timely_dispatch_rate": percent(self.dispatched_on_time, self.dispatch_stages),
            "on_time_acceptance_rate": percent(self.accepted_on_time, self.acceptances),
            "on_time_handling_rate": percent(self.handled_on_time, self.handlings),
            "rework_rate": percent(self.failed_verifications, self.verifications),
            "return_rate": percent(self.returns, self.dispatches_received),
            "extension_rate": percent(self.extended, self.closed_in_period),
            "first_dispatch_accuracy": percent(self.first_dispatch_kept, self.first_dispatches),
            "satisfaction_rate": percent(self.satisfied, self.ratings),
            "resolution_rate": percent(self.solved, self.ratings),
        }

    def as_dict(self) -> dict[str, Any]:
        return {**{f.name: getattr(self, f.name) for f in fields(self)}, **self.rates()}


def percent(part: int, whole: int) -> Decimal | None:
    """A percentage with two decimals, rounded half up (93.72); None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)
