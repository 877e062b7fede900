"""Valid ingress reports for tests, with overrides."""
from __future__ import annotations

from typing import Any

import orjson


def report(report_id: str = "R-1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "report_id": report_id,
        "source": "hotline",
        "category": "public-safety.dispute.neighbour",
        "reported_at": "2026-11-26T10:00:00+08:00",
        "location": {"grid_id": "G0001"},
        "description": "neighbours quarrelling",
    }
    body.update(overrides)
    return body


def report_bytes(report_id: str = "R-1", **overrides: Any) -> bytes:
    return orjson.dumps(report(report_id, **overrides))
