"""The scoring scheme: scorecard figures → points → a ranking. Configured, not coded."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from policies.config_file import parse_config

EVALUATION_CONFIG = Path(__file__).parent / "data" / "evaluation.toml"


class ScoreItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    figure: str
    kind: Literal["threshold", "per_count"]
    points: float
    threshold: float | None = None
    minus_per_point: float = 0.0
    floor: float = 0.0


class GovernanceStandard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_full_time_workers: int = Field(1, ge=0)
    max_grids_per_full_time_worker: int = Field(1, ge=1)
    min_addresses: int = Field(0, ge=0)


class EvaluationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    exclude_suspended_from_due: bool = False
    score: tuple[ScoreItem, ...] = ()
    governance: GovernanceStandard = GovernanceStandard()

    @classmethod
    def load(cls, path: Path = EVALUATION_CONFIG) -> "EvaluationConfig":
        return parse_config(cls, Path(path).read_bytes(), str(path))


def points(item: ScoreItem, figures: dict[str, Any]) -> float:
    value = figures.get(item.figure)
    if value is None:
        return 0.0
    if item.kind == "per_count":
        return float(value) * item.points
    shortfall = (item.threshold or 0.0) - float(value)
    if shortfall <= 0:
        return item.points
    if not item.minus_per_point:
        return item.floor  # all or nothing
    return max(item.floor, item.points - shortfall * item.minus_per_point)


def ranking(figures_by_key: dict[str, dict[str, Any]], config: EvaluationConfig
            ) -> list[tuple[int, str, float, dict[str, float]]]:
    """(rank, key, total, points per figure), best first; equal totals share a rank."""
    scored = []
    for key, figures in figures_by_key.items():
        detail = {item.figure: round(points(item, figures), 2) + 0.0 for item in config.score}
        scored.append((key, round(sum(detail.values()), 2), detail))
    scored.sort(key=lambda row: (-row[1], row[0]))
    ranked, previous, rank = [], None, 0
    for position, (key, total, detail) in enumerate(scored, 1):
        if total != previous:
            rank, previous = position, total
        ranked.append((rank, key, total, detail))
    return ranked

