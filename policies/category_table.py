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
                                 text_lines=raw.decode("utf-8").splitlines())

    @classmethod
    def from_document(cls, document: dict, *, source: str, version: str,
                      text_lines: list[str] | None = None) -> "CategoryTable":
        policy = document.get("policy", {})
        departments = document.get("departments", {})
        if not isinstance(departments, dict) or not departments:
            raise PolicyError(f"{source}: [departments] must name at least one department")
        default_sla = _text(policy, "default_sla_class", source, "policy")
        queue = _text(policy, "fallback_queue", source, "policy")
        fallback = RoutingDecision(rule_id="fallback", policy_version=version,
                                   sla_class=default_sla, manual_queue=queue)
        by_prefix: dict[str, RoutingDecision] = {}
        headers = [n for n, text in enumerate(text_lines or [], 1) if text.strip() == "[[route]]"]
        for index, entry in enumerate(document.get("route", [])):
            def where(field: str) -> str:
                line = _field_line(text_lines or [], headers, index, field)
                return f"{source}:{line}" if line else f"{source} route #{index + 1}"

            category = _text(entry, "category", where("category"), "route")
            if not _CATEGORY.match(category):
                raise PolicyError(f"{where('category')}: route.category {category!r} "
                                  "is not a dotted code")
            department = _text(entry, "department", where("department"), "route")
            if department not in departments:
                raise PolicyError(f"{where('department')}: route.department {department!r} "
                                  "is not in [departments]")
            if category in by_prefix:
                raise PolicyError(f"{where('category')}: route.category {category!r} "
                                  "is listed twice")
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


def _field_line(lines: list[str], headers: list[int], index: int, field: str) -> int | None:
    """The line of `field = ...` inside the index-th [[route]] table (tomllib gives none)."""
    if index >= len(headers):
        return None
    end = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1
    for number in range(headers[index] + 1, end):
        if lines[number - 1].split("=", 1)[0].strip() == field:
            return number
    return headers[index]
