"""`grid-dispatch report`: open incidents, scorecards, ranking and grid governance.

Every figure is computed from the event store alone, so a report is reproducible at any
time and equal to what the live views show.
"""
from __future__ import annotations

from datetime import date, datetime

from infra.rebuild import views_from_store
from infra.report_table import render_counts, render_rows
from infra.settings import Settings
from infra.store import open_store
from infra.territory_source import department_names, territory_view
from policies.scoring import EvaluationConfig, ranking
from projections.evaluation import scorecards
from projections.governance import governance
from projections.period import CITY_TZ, Period

SCORECARD_COLUMNS = [
    "key", "due", "closed", "closed_on_time", "closure_rate", "on_time_closure_rate",
    "timely_dispatch_rate", "on_time_acceptance_rate", "on_time_handling_rate", "rework_rate",
    "returns", "return_rate", "extension_rate", "suspended", "unjustified_returns",
    "first_dispatch_accuracy", "satisfaction_rate", "resolution_rate"]
GOVERNANCE_COLUMNS = ["key", "active_grids", "compliant_grids", "compliance_rate", "vacant_grids",
                      "full_time_workers", "part_time_workers"]


def report(settings: Settings, view: str, dimension: str, period: str | None, fmt: str) -> str:
    if view == "governance":
        return governance_report(settings, fmt, period)
    views = views_from_store(open_store(settings), show_progress=fmt == "table")
    if view == "open":
        return render_counts(views.open_incidents.counts(), department_names(settings.territory_path), fmt)
    chosen = Period.parse(period or datetime.now(CITY_TZ).strftime("%Y-%m"))
    config = EvaluationConfig.load()
    cards = scorecards(views.facts.facts.values(), views.stages_of, chosen, dimension,
                       config.exclude_suspended_from_due)
    rows = [{"key": key, **tally.as_dict()} for key, tally in cards.items()]
    if view == "scorecard":
        return render_rows(rows, SCORECARD_COLUMNS, fmt,
                           title=f"scorecard by {dimension}, period {chosen.label}")
    ranked = ranking({row["key"]: row for row in rows}, config)
    ranked_rows = [{"rank": rank, "key": key, "points": total, **detail}
                   for rank, key, total, detail in ranked]
    columns = ["rank", "key", "points", *(item.figure for item in config.score)]
    return render_rows(ranked_rows, columns, fmt,
                       title=f"ranking by {dimension}, period {chosen.label}")


def governance_report(settings: Settings, fmt: str, day_text: str | None) -> str:
    day = date.fromisoformat(day_text) if day_text else datetime.now(CITY_TZ).date()
    result = governance(territory_view(settings.territory_path), day,
                        EvaluationConfig.load().governance)
    rows = [{"key": "city", **result.city.as_dict()}]
    rows += [{"key": district, **row.as_dict()} for district, row in result.by_district.items()]
    rows += [{"key": street, **row.as_dict()} for street, row in result.by_street.items()]
    text = render_rows(rows, GOVERNANCE_COLUMNS, fmt, title=f"grid governance on {day}")
    if fmt != "table":
        return text
    spread = ", ".join(f"{w} ({'/'.join(g)})" for w, g in result.multi_grid_workers.items())
    return (f"{text}\n\nvacant grids ({len(result.vacant)}): {', '.join(result.vacant) or 'none'}"
            f"\nworkers holding two or more grids ({len(result.multi_grid_workers)}): "
            f"{spread or 'none'}")
