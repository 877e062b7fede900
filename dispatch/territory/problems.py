"""A problem found in a territory file, located by record path, field and value."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatch.territory.errors import (GridLifecycleError, GridOverlap, InvalidTerritoryValue,
                                       TerritoryError)

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str
    where: str          # record path in the file, e.g. "grids[12] (G0013)"
    field: str | None
    value: Any
    message: str
    kind: str = "invalid"   # invalid | overlap | lifecycle | gap | vacancy | multi-grid ...

    def text(self, file: str = "") -> str:
        place = ".".join(p for p in (self.where, self.field) if p)
        shown = "" if self.value is None else f" (value: {_short(self.value)})"
        return f"{file + ': ' if file else ''}{place}: {self.message}{shown}"

    def as_dict(self, file: str = "") -> dict[str, Any]:
        return {"severity": self.severity, "kind": self.kind, "file": file,
                "where": self.where, "field": self.field,
                "value": self.value if isinstance(self.value, (str, int, float, bool))
                else (None if self.value is None else _short(self.value)),
                "message": self.message}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def from_error(where: str, field: str, error: TerritoryError) -> Problem:
    kind = ("overlap" if isinstance(error, GridOverlap) else
            "lifecycle" if isinstance(error, GridLifecycleError) else "invalid")
    if isinstance(error, InvalidTerritoryValue):
        return Problem(ERROR, where, error.field, error.value,
                       f"{error.subject}: {error.field} {error.problem}", kind)
    return Problem(ERROR, where, field, None, str(error), kind)


def from_pydantic(raw: Any, item: dict[str, Any]) -> Problem:
    loc, node, parts = item.get("loc", ()), raw, []
    for part in loc:
        node = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
        if isinstance(part, int) and isinstance(node, dict) and (node.get("id") or
                                                                 node.get("code")):
            parts[-1] += f" ({node.get('id') or node.get('code')})"
    path = "".join(parts).lstrip(".") or "(document)"
    value = None if item["type"] == "missing" else item.get("input")
    return Problem(ERROR, path, None, value, item["msg"])


def _has(node: Any, part: Any) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and part < len(node)
