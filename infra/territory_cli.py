"""`grid-dispatch territory check FILE`: the territory checker's text and exit code."""
from __future__ import annotations

import orjson

from dispatch.territory.check import CheckReport, check_territory

SECTIONS = [("overlap", "overlaps"), ("lifecycle", "lifecycle errors"),
            ("invalid", "invalid data"), ("gap", "gaps (no active grid)"),
            ("outside-city", "grids beyond the city boundary"),
            ("vacancy", "vacant grids (no full-time worker)"),
            ("multi-grid", "workers holding two or more grids"),
            ("address-outside-grid", "addresses outside their grid")]


def territory_check(path: str, fmt: str = "table") -> tuple[str, int]:
    """Check a territory file. Exit code 0: valid (warnings such as vacancies or gaps
    may be listed); 1: errors (overlaps, lifecycle, invalid data); 2: unknown format."""
    if fmt not in ("table", "json"):
        return f"unknown format {fmt!r}: use table or json", 2
    report = check_territory(path)
    code = 1 if report.errors else 0
    return (render_json(report) if fmt == "json" else render_table(report)), code


def render_json(report: CheckReport) -> str:
    return orjson.dumps({
        "file": report.file, "as_of": report.as_of.isoformat() if report.as_of else None,
        "ok": not report.errors, "errors": len(report.errors),
        "warnings": len(report.warnings), "summary": report.summary,
        "vacant_grids": report.vacant_grids, "multi_grid_workers": report.multi_grid_workers,
        "problems": [p.as_dict(report.file) for p in report.problems],
    }, option=orjson.OPT_INDENT_2).decode()


def render_table(report: CheckReport) -> str:
    s = report.summary
    lines = [f"territory check: {report.file}"
             + (f", as of {report.as_of}" if report.as_of else "")]
    if s:
        lines.append(f"  {s['districts']} districts, {s['streets']} streets,"
                     f" {s['communities']} communities, {s['departments']} departments,"
                     f" {s['grids']} grids ({s['active_grids']} active,"
                     f" {s['exclusive_grids']} exclusive), {s['addresses']} addresses,"
                     f" {s['workers']} workers, {s['overlays']} overlays")
    verdict = "FAILED" if report.errors else "OK"
    lines.append(f"result: {verdict}: {len(report.errors)} error(s),"
                 f" {len(report.warnings)} warning(s)")
    for kind, title in SECTIONS:
        found = [p for p in report.problems if p.kind == kind]
        if found:
            lines += ["", f"{title} ({len(found)})"]
            lines += [f"  {p.severity:<7}  {p.text(report.file)}" for p in found]
    if s.get("staffing_by_district"):
        lines += ["", "staffing by district (active grids / vacant)"]
        for district, row in s["staffing_by_district"].items():
            lines.append(f"  {district:<8} {row['grids']:>5} {row['vacant']:>5}")
    return "\n".join(lines)
