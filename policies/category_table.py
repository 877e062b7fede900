"""The thin-slice routing policy: a category prefix → department table, from a TOML file.

The most specific prefix wins (`sanitation.rubbish` before `sanitation`). A category that no
entry covers goes to the named manual-dispatch queue, never nowhere. The policy version is
the content hash of the file, so every decision can name exactly what made it.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dispatch.domain.routing import RoutingDecision

DEFAULT_POLICY = Path(__file__).parent / "data" / "category_departments.toml"
_CATEGORY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


class PolicyError(ValueError):
    """A policy file that cannot be loaded; the message names file, line, field and value."""


@dataclass(frozen=True)
class CategoryTable:
    version: str
    departments: dict[str, str]
    fallback: RoutingDecision
    _by_prefix: dict[str, RoutingDecision]

    @classmethod
    def load(cls, path: Path = DEFAULT_POLICY) -> "CategoryTable":
        raw = Path(path).read_bytes()
        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise PolicyError(f"{path}: not valid TOML: {error}") from None
        return cls.from_document(document, source=str(path), version=_version(raw),
                                 route_lines=_table_lines(raw, "[[route]]"))

    @classmethod
    def from_document(cls, document: dict, *, source: str, version: str,
                      route_lines: list[int] | None = None) -> "CategoryTable":
        policy = document.get("policy", {})
        departments = document.get("departments", {})
        if not isinstance(departments, dict) or not departments:
            raise PolicyError(f"{source}: [departments] must name at least one department")
        default_sla = _text(policy, "default_sla_class", source, "policy")
        queue = _text(policy, "fallback_queue", source, "policy")
        fallback = RoutingDecision(rule_id="fallback", policy_version=version,
                                   sla_class=default_sla, manual_queue=queue)
        by_prefix: dict[str, RoutingDecision] = {}
        for index, entry in enumerate(document.get("route", [])):
            line = route_lines[index] if route_lines and index < len(route_lines) else None
            where = f"{source}:{line}" if line else f"{source} route #{index + 1}"
            category = _text(entry, "category", where, "route")
            if not _CATEGORY.match(category):
                raise PolicyError(f"{where}: route.category {category!r} is not a dotted code")
            department = _text(entry, "department", where, "route")
            if department not in departments:
                raise PolicyError(f"{where}: route.department {department!r} is not in [departments]")
            if category in by_prefix:
                raise PolicyError(f"{where}: route.category {category!r} is listed twice")
            by_prefix[category] = RoutingDecision(
                rule_id=f"category:{category}", policy_version=version,
                sla_class=entry.get("sla_class", default_sla), department=department)
        return cls(version, dict(departments), fallback, by_prefix)

    def route(self, category: str) -> RoutingDecision:
        decision = self._by_prefix.get(category)
        while decision is None:
            cut = category.rfind(".")
            if cut < 0:
                return self.fallback
            category = category[:cut]
            decision = self._by_prefix.get(category)
        return decision

    @property
    def categories(self) -> list[str]:
        return sorted(self._by_prefix)


def _text(table: dict, field: str, where: str, section: str) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value:
        raise PolicyError(f"{where}: {section}.{field} must be a non-empty string, got {value!r}")
    return value


def _version(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:16]


def _table_lines(raw: bytes, header: str) -> list[int]:
    lines = raw.decode("utf-8", errors="replace").splitlines()
    return [number for number, text in enumerate(lines, 1) if text.strip() == header]
