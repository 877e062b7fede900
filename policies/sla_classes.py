"""SLA classes: for each class a routing decision can name, the time limit of each stage.

    classes = default_sla_classes()                 # policies/data/sla_classes.toml
    classes.limit("standard", "normal", "handle")   # Limit(amount=3.0, unit="working_days")
    classes.thresholds.at_risk                      # 0.8: green up to 80% of the limit used

Stages: dispatch (派遣), accept (签收/响应), handle (处置), verify (核查), close (结案).
Each class has a `default` table giving all five limits; a table named after a priority
(low, normal, high, urgent) overrides some of them for incidents of that priority, the rest
coming from `default`. A class name the file does not define runs on `fallback_class`
(`resolve` says which class applied), so an unknown name in a routing policy degrades to
the default limits rather than stopping the clocks.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policies.calendar import Unit, measure_of
from policies.config_file import ConfigError, parse_config

__all__ = [
    "DEFAULT_SLA_CLASSES",
    "STAGES",
    "ConfigError",
    "Limit",
    "SlaClasses",
    "Thresholds",
    "default_sla_classes",
    "load_sla_classes",
    "parse_sla_classes",
]
DEFAULT_SLA_CLASSES = Path(__file__).parent / "data" / "sla_classes.toml"
Stage = Literal["dispatch", "accept", "handle", "verify", "close"]
STAGES: tuple[str, ...] = ("dispatch", "accept", "handle", "verify", "close")
PRIORITIES = ("low", "normal", "high", "urgent")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limit(_Strict):
    amount: float = Field(gt=0)
    unit: Unit

    @property
    def measure(self) -> str:
        """"working" (the business calendar's working time) or "calendar" (absolute time)."""
        return measure_of(self.unit)


class StageLimits(_Strict):
    """Every stage's limit: a class's `default` table."""
    dispatch: Limit
    accept: Limit
    handle: Limit
    verify: Limit
    close: Limit


class StageOverrides(_Strict):
    """Some stages' limits for one priority; the others come from the class's default."""
    dispatch: Limit | None = None
    accept: Limit | None = None
    handle: Limit | None = None
    verify: Limit | None = None
    close: Limit | None = None


class ClassLimits(_Strict):
    default: StageLimits
    low: StageOverrides | None = None
    normal: StageOverrides | None = None
    high: StageOverrides | None = None
    urgent: StageOverrides | None = None


class Thresholds(_Strict):
    """Traffic lights on the share of the limit used: green up to `at_risk`, yellow up to
    `breached`, red beyond (数字城管 platforms: 80% and 100%). Whether a stage was on time
    is always judged against 100%, whatever `breached` says."""
    at_risk: float = Field(0.8, gt=0)
    breached: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _in_order(self) -> Thresholds:
        if not self.at_risk < self.breached:
            raise ValueError(f"at_risk ({self.at_risk}) must be below breached ({self.breached})")
        return self


class SlaDocument(_Strict):
    fallback_class: str = "standard"
    thresholds: Thresholds = Thresholds()
    classes: dict[str, ClassLimits] = Field(alias="class", min_length=1)

    @model_validator(mode="after")
    def _fallback_defined(self) -> SlaDocument:
        if self.fallback_class not in self.classes:
            raise ValueError(f"fallback_class {self.fallback_class!r} is not one of the classes "
                             f"{sorted(self.classes)}")
        return self


class SlaClasses:
    def __init__(self, document: SlaDocument, source: str = "<sla classes>"):
        self.source = source
        self.fallback_class = document.fallback_class
        self.thresholds = document.thresholds
        # (class, priority or None) -> stage -> limit, resolved once: lookups are dict hits.
        self._limits: dict[tuple[str, str | None], dict[str, Limit]] = {}
        for name, limits in document.classes.items():
            default = {stage: getattr(limits.default, stage) for stage in STAGES}
            self._limits[name, None] = default
            for priority in PRIORITIES:
                override = getattr(limits, priority)
                if override is not None:
                    self._limits[name, priority] = {
                        stage: getattr(override, stage) or default[stage] for stage in STAGES}

    @property
    def names(self) -> list[str]:
        return sorted({name for name, _ in self._limits})

    def resolve(self, sla_class: str | None) -> str:
        """The class whose limits apply: the named one, or the fallback if it is unknown."""
        return sla_class if (sla_class, None) in self._limits else self.fallback_class

    def limit(self, sla_class: str | None, priority: str | None, stage: str) -> Limit:
        name = self.resolve(sla_class)
        table = self._limits.get((name, priority)) or self._limits[name, None]
        if stage not in table:
            raise ValueError(f"unknown stage {stage!r}; one of {STAGES}")
        return table[stage]


def parse_sla_classes(raw: bytes, source: str = "<sla classes>") -> SlaClasses:
    return SlaClasses(parse_config(SlaDocument, raw, source), source)


def load_sla_classes(path: Path | str = DEFAULT_SLA_CLASSES) -> SlaClasses:
    path = Path(path)
    return parse_sla_classes(path.read_bytes(), str(path))


@lru_cache(maxsize=1)
def default_sla_classes() -> SlaClasses:
    return load_sla_classes()
