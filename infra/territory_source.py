"""The territory the worker routes with: a territory file loaded into memory, as a view."""
from __future__ import annotations

import json
from pathlib import Path

from dispatch.territory.demo_city import DATA_FILE as DEMO_CITY
from dispatch.territory.file_format import read_territory_file
from dispatch.territory.loader import load_territory
from dispatch.territory.service import TerritoryService
from dispatch.territory.view import TerritoryView


class TerritoryFileError(ValueError):
    pass


def territory_view(path: Path | None = None) -> TerritoryView:
    path = Path(path or DEMO_CITY)
    service = TerritoryService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    document, problems = read_territory_file(path)
    problems = problems or load_territory(service, document)
    if problems:
        shown = "\n".join(problem.text(str(path)) for problem in problems[:20])
        raise TerritoryFileError(f"the territory {path} does not load "
                                 f"({len(problems)} problems; `grid-dispatch territory check` "
                                 f"lists them all):\n{shown}")
    return service.view()


def department_names(path: Path | None = None) -> dict[str, str]:
    """Department code → name, straight from the file (no need to load the whole city)."""
    document = json.loads(Path(path or DEMO_CITY).read_text(encoding="utf-8"))
    return {d["code"]: d["name"] for d in document.get("departments", [])}
