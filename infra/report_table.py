"""Plain-text, CSV and JSON renderings of the per-department counts."""
from __future__ import annotations

import csv
import io

import orjson


def render_counts(counts: dict[str, int], names: dict[str, str], fmt: str = "table") -> str:
    rows = [(holder, names.get(holder, ""), count) for holder, count in counts.items()]
    if fmt == "json":
        return orjson.dumps([{"holder": h, "name": n, "open_incidents": c} for h, n, c in rows],
                            option=orjson.OPT_INDENT_2).decode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["holder", "name", "open_incidents"])
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    header = ("department / queue", "name", "open")
    widths = [max(len(str(r[i])) for r in [header, *rows, ("", "", sum(counts.values()))])
              for i in range(3)]
    line = "  ".join("-" * w for w in widths)
    body = [f"{h:<{widths[0]}}  {n:<{widths[1]}}  {c:>{widths[2]}}" for h, n, c in rows]
    total = f"{'total':<{widths[0]}}  {'':<{widths[1]}}  {sum(counts.values()):>{widths[2]}}"
    return "\n".join([f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]:>{widths[2]}}",
                      line, *body, line, total])
