"""When a new report repeats an open incident: the duplicate rules the route step applies.

    rules = DuplicateRules.load()                  # policies/data/duplicates.toml
    rules.window_for("environment.noise")          # timedelta, or None: never merged

A new report repeats an open incident when both have the same category, the original was
reported at most `window` before it, and they are at the same place: the same address
(a QR plate or an address id resolved to one address), or points at most `radius_m` apart,
or, for categories listed in `same_grid`, the same grid (for things a grid has one of).
The earliest such original wins, so every repeat points to the same one. Category groups
may get their own window, or none (listed in `never`: two quarrels in one building are two
quarrels). Matching is conservative on purpose: a wrong merge hides a real incident.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from policies.config_file import parse_config

DUPLICATE_RULES = Path(__file__).parent / "data" / "duplicates.toml"


class DuplicateRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True
    window_minutes: int = Field(120, gt=0)
    radius_m: float = Field(250.0, gt=0)
    window_minutes_by_group: dict[str, int] = Field(default_factory=dict)
    never: tuple[str, ...] = ()
    same_grid: tuple[str, ...] = ()
    version: str = ""

    @classmethod
    def load(cls, path: Path | None = None) -> "DuplicateRules":
        path = Path(path or DUPLICATE_RULES)
        raw = path.read_bytes()
        rules = parse_config(cls, raw, str(path))
        return rules.model_copy(update={"version": "sha256:" + hashlib.sha256(raw).hexdigest()[:16]})

    def window_for(self, category: str) -> timedelta | None:
        """How far back an original may be for this category; None if it is never merged."""
        if not self.enabled or _deepest(category, self.never) is not None:
            return None
        group = _deepest(category, self.window_minutes_by_group)
        minutes = self.window_minutes_by_group[group] if group is not None else self.window_minutes
        return timedelta(minutes=minutes)

    def by_grid(self, category: str) -> bool:
        return _deepest(category, self.same_grid) is not None

    @property
    def longest_window(self) -> timedelta:
        return timedelta(minutes=max([self.window_minutes, *self.window_minutes_by_group.values()]))


def _deepest(category: str, groups) -> str | None:
    """The most specific group (a dotted prefix, or the category itself) that covers it."""
    best = None
    for group in groups:
        if (category == group or category.startswith(group + ".")) and (
                best is None or len(group) > len(best)):
            best = group
    return best
