"""JSON Schema files of the outside contracts, generated from the pydantic models."""
from __future__ import annotations

import json
from pathlib import Path

from dispatch.commands import incident_command
from dispatch.contracts import IncidentReported
from dispatch.event_contract import incident_event

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "contracts"


def rendered_schemas() -> dict[str, str]:
    schemas = {
        "IncidentReported": IncidentReported.model_json_schema(),
        "IncidentEvent": {"title": "IncidentEvent",
                          "description": "One event on incidents.events, told apart by `type`.",
                          **incident_event.json_schema()},
        "IncidentCommand": {"title": "IncidentCommand",
                            "description": "One command on incidents.commands, told apart by `type`.",
                            **incident_command.json_schema()},
    }
    return {f"{name}.schema.json": json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            for name, schema in schemas.items()}


def stale_schemas(directory: Path = SCHEMA_DIR) -> list[str]:
    """File names whose committed text differs from what the models generate now."""
    return [name for name, text in rendered_schemas().items()
            if not (directory / name).exists() or (directory / name).read_text() != text]


def write_schemas(directory: Path = SCHEMA_DIR) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written = stale_schemas(directory)
    for name, text in rendered_schemas().items():
        if name in written:
            (directory / name).write_text(text)
    return written
