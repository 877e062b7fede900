"""The demo city, generated deterministically; `data/demo_city.json` is its committed output.

Regenerate with `python -m dispatch.territory.demo_city` (a unit test fails if the file
and the generator disagree). What it contains, and why:
- 3 districts, 12 streets, 51 communities and 400 grids (G0001..G0400, as the simulator
  uses), five of them exclusive: an industrial park, a university campus, a hospital,
  a market and, from 2027-01-01, the research park;
- the enclave: 4 factory-residential communities inside D01 (district A) whose
  household registration and key-person control belong to D02 (district B);
- the pending transfer: the research park grid stays with street ST06 (S1) until its
  transfer to ST07 (S2) as an exclusive grid takes effect on 2027-01-01;
- one cell with no owner (a gap), and an address on it that resolves to no grid;
- 44 departments at city, district and street level; grid workers with vacant grids and
  workers holding two grids.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch.territory import demo_layout as plan
from dispatch.territory.demo_grids import (DISTRICTS, ENCLAVE, GAP_CELL, STREETS, communities,
                                           grids, street_code)
from dispatch.territory.demo_staff import addresses, departments, workers

if TYPE_CHECKING:
    from dispatch.territory.service import TerritoryService

DATA_FILE = Path(__file__).parent / "data" / "demo_city.json"


def build_demo_city() -> dict[str, Any]:
    community_records, index = communities()
    names = {c["code"]: c["name"] for c in community_records}
    grid_records = grids(index, names)
    cells = {g["id"]: tuple(g.pop("cell")) for g in grid_records}
    return {
        "format": "grid-dispatch/territory@1",
        "city": {"code": "demo-city", "name": "Demo City",
                 "boundary": {"type": "Polygon", "coordinates": [plan.city_ring()]}},
        "as_of": "2026-11-01",
        "districts": [{"code": c, "name": n} for c, n in DISTRICTS],
        "streets": [{"code": street_code(n), "name": f"{name} Street",
                     "district": DISTRICTS[n // 4][0]} for n, name in enumerate(STREETS)],
        "communities": community_records,
        "departments": departments([c for c, _ in DISTRICTS],
                                   [street_code(n) for n in range(len(STREETS))]),
        "grids": grid_records,
        "addresses": addresses(grid_records, cells, GAP_CELL),
        "workers": workers(grid_records),
        "overlays": [{"code": "OV-ENCLAVE-1",
                      "name": "Factory-residential enclave of Nanqiao in Huaxin",
                      "host_district": "D01", "district": "D02", "grids": [],
                      "communities": [index[("enclave", n)] for n in range(len(ENCLAVE))],
                      "categories": ["household-registration", "public-safety.key-person"],
                      "effective_from": "2020-01-01", "effective_until": None}],
    }


def render(doc: dict[str, Any]) -> str:
    """One record per line: small diffs, and a file that stays readable."""
    lines = ["{"]
    for n, (key, value) in enumerate(doc.items()):
        comma = "," if n < len(doc) - 1 else ""
        if isinstance(value, list):
            items = [json.dumps(item, ensure_ascii=False, separators=(",", ":"))
                     for item in value]
            body = ",\n".join(f"  {item}" for item in items)
            lines.append(f'"{key}":[\n{body}\n]{comma}' if items else f'"{key}":[]{comma}')
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            lines.append(f'"{key}":{text}{comma}')
    return "\n".join(lines + ["}"]) + "\n"


def load_demo_city(service: "TerritoryService | None" = None) -> "TerritoryService":
    """The committed demo city loaded into `service` (a new in-memory one by default)."""
    from dispatch.territory.file_format import read_territory_file
    from dispatch.territory.loader import load_territory
    from dispatch.territory.service import TerritoryService
    service = service or TerritoryService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    doc, problems = read_territory_file(DATA_FILE)
    problems = problems or load_territory(service, doc)
    if problems:
        raise ValueError(f"the demo city does not load: {problems[0].text(DATA_FILE.name)}")
    return service


if __name__ == "__main__":
    DATA_FILE.write_text(render(build_demo_city()), encoding="utf-8")
    print(f"wrote {DATA_FILE}")
