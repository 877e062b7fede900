"""Line numbers for TOML keys, which `tomllib` does not give, so errors can name the line.

Maps each key path, e.g. ("rule", 3, "scope", "district"), to the line that sets it.
Handles [table], [[array-of-tables]], [array.sub] tables and dotted keys; inline tables
and multi-line values are located by the line their key is on.
"""
from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.\s]+?)\s*=")


def key_lines(text: str) -> dict[tuple, int]:
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    current: tuple = ()
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            names = tuple(_split(header.group(2)))
            if header.group(1) == "[[":
                counts[names] = counts.get(names, -1) + 1
                current = (*names, counts[names])
            else:
                current = _under_arrays(names, counts)
            lines.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key and not line.lstrip().startswith("#"):
            lines.setdefault((*current, *_split(key.group(1))), number)
    return lines


def line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the longest prefix of `loc` that the file sets."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _under_arrays(names: tuple, counts: dict[tuple, int]) -> tuple:
    """[rule.scope] after the third [[rule]] belongs to ("rule", 2, "scope")."""
    path: list = []
    for index, name in enumerate(names):
        path.append(name)
        array = names[: index + 1]
        if array in counts and index + 1 < len(names):
            path.append(counts[array])
    return tuple(path)


def _split(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in dotted.split(".")]
