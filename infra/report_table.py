"""Plain-text, CSV and JSON renderings of report rows."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import orjson


def render_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str = "table",
                title: str = "") -> str:
    if fmt == "json":
        return orjson.dumps(rows, default=_plain, option=orjson.OPT_INDENT_2).decode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(row.get(c)) for c in columns] for row in rows])
        return out.getvalue().rstrip("\n")
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [all(_is_number(row.get(c)) for row in rows) and rows for c in columns]
    line = lambda values: "  ".join(  # noqa: E731
        v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()
    body = [line(columns), "  ".join("-" * w for w in widths), *(line(r) for r in cells)]
    return "\n".join(([title, ""] if title else []) + body)


def render_counts(counts: dict[str, int], names: dict[str, str], fmt: str = "table") -> str:
    if not counts and fmt == "table":
        return "no open incidents: every one is closed, voided or merged"
    rows = [{"holder": h, "name": names.get(h, ""), "open_incidents": c} for h, c in counts.items()]
    text = render_rows(rows, ["holder", "name", "open_incidents"], fmt)
    if fmt == "table":
        width = len(text.splitlines()[1]) if rows else 20
        text += f"\n{'-' * width}\n{'total':<{width - 8}}{sum(counts.values()):>8}"
    return text


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _is_number(value: Any) -> bool:
    return value is None or isinstance(value, (int, float, Decimal))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot render {type(value).__name__}")
