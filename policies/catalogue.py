"""The category catalogue: every code a report, rule or charter may name, with names."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

CATALOGUE = Path(__file__).parent / "data" / "categories.toml"


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str

    @property
    def top_level(self) -> str:
        return self.code.split(".", 1)[0]


class Catalogue:
    def __init__(self, categories: list[Category]):
        self.by_code = {category.code: category for category in categories}
        parents = {code.rsplit(".", 1)[0] for code in self.by_code if "." in code}
        self.leaves = sorted(code for code in self.by_code if code not in parents)
        self.top_levels = sorted({category.top_level for category in categories})

    @classmethod
    def load(cls, path: Path = CATALOGUE) -> "Catalogue":
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls([Category(c["code"], c.get("name", ""), c.get("name_en", ""))
                    for c in data.get("category", [])])

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def under(self, prefix: str) -> list[str]:
        """Leaf categories a rule for `prefix` covers (all of them for `*`)."""
        if prefix == "*":
            return list(self.leaves)
        return [c for c in self.leaves if c == prefix or c.startswith(prefix + ".")] or [prefix]
