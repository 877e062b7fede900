"""Territory errors: each names the grid, address or unit and the rule the command broke."""
from __future__ import annotations

from datetime import date



class TerritoryError(Exception):
    """A territory command refused; nothing was changed. (Not a `DomainError`: that one
    names an incident, and territory rules are about grids, addresses and units.)"""


class UnknownUnit(TerritoryError):
    def __init__(self, kind: str, code: str):
        super().__init__(f"unknown {kind} {code!r}")
        self.kind, self.code = kind, code


class DuplicateCode(TerritoryError):
    def __init__(self, kind: str, code: str):
        super().__init__(f"{kind} {code!r} is already registered")
        self.kind, self.code = kind, code


class InvalidTerritoryValue(TerritoryError):
    """A value no grid, address or unit can hold (bad polygon, parent at the wrong level...)."""

    def __init__(self, subject: str, field: str, value: object, problem: str):
        super().__init__(f"{subject}: {field} {problem} (value: {value!r})")
        self.subject, self.field, self.value, self.problem = subject, field, value, problem


class DateOutOfOrder(TerritoryError):
    """History is appended, never rewritten: a dated change must come after the last one."""

    def __init__(self, subject: str, what: str, on: date, not_before: date,
                 inclusive: bool = False):
        relation = "on or after" if inclusive else "after"
        super().__init__(f"{subject}: {what} dated {on} must be {relation} {not_before}")
        self.subject, self.what, self.on, self.not_before = subject, what, on, not_before


class GridLifecycleError(TerritoryError):
    needs = "another status"

    def __init__(self, grid: str, command: str, status: str):
        super().__init__(f"grid {grid}: cannot {command} while {status} (needs {self.needs})")
        self.grid, self.command, self.status = grid, command, status


class GridNotProposed(GridLifecycleError):
    needs = "proposed"


class GridNotApproved(GridLifecycleError):
    needs = "approved"


class GridNotFiled(GridLifecycleError):
    needs = "filed"


class GridAlreadyRetired(GridLifecycleError):
    needs = "a grid that is not retired"


class GridOverlap(TerritoryError):
    """Two active grids share ground during a shared period; `others` lists every such grid."""

    def __init__(self, grid: str, others: list[tuple[str, date, date | None, float]]):
        described = ", ".join(
            f"{other} from {start} {'onward' if end is None else f'until {end}'}"
            f" ({area_m2:.0f} m²)" for other, start, end, area_m2 in others)
        super().__init__(f"grid {grid} overlaps active grid(s) {described}")
        self.grid, self.others = grid, others


class GridNotActive(TerritoryError):
    def __init__(self, subject: str, grid: str, on: date, why: str):
        super().__init__(f"{subject}: grid {grid} is not active on {on} ({why})")
        self.subject, self.grid, self.on, self.why = subject, grid, on, why


class GridStillHasAddresses(TerritoryError):
    """Retiring would leave addresses with no active grid; move them first."""

    def __init__(self, grid: str, on: date, addresses: list[str]):
        shown = ", ".join(addresses[:5]) + (" ..." if len(addresses) > 5 else "")
        super().__init__(f"grid {grid}: cannot retire on {on}, {len(addresses)} address(es)"
                         f" still assigned to it from then on: {shown}")
        self.grid, self.on, self.addresses = grid, on, addresses
