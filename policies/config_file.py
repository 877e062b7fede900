"""Read a TOML configuration file into a pydantic model; every error names file, line, field, value.

Shared by the routing policy (policies/loader.py), the business calendar
(policies/calendar.py), the SLA classes (policies/sla_classes.py) and the evaluation
configuration (policies/scoring.py), so every file the city edits fails the same way.
"""
from __future__ import annotations

import tomllib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from policies.toml_lines import key_lines, line_of

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file that cannot be loaded; `problems` has one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_config(model: type[M], raw: bytes, source: str) -> M:
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as error:
        raise ConfigError([f"{source}: not UTF-8 text ({error})"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{source}: not valid TOML: {error}"]) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = key_lines(text)
        raise ConfigError([_describe(item, source, lines)
                           for item in error.errors(include_url=False)]) from None


def _describe(item: dict[str, Any], source: str, lines: dict) -> str:
    loc = tuple(item.get("loc", ()))
    line = line_of(lines, loc)
    where = f"{source}:{line}" if line else source
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    value = item.get("input")
    shown = "" if item["type"] == "missing" or isinstance(value, (dict, list)) else f" (value: {value!r})"
    return f"{where}: {field or '(file)'}: {item['msg']}{shown}"
