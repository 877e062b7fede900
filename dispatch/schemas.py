"""JSON Schema files of the outside contracts, generated from the pydantic models."""
from __future__ import annotations

import json
from pathlib import Path

from dispatch.contracts import IncidentReported

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "contracts"
MODELS = {"IncidentReported": IncidentReported}


def rendered_schemas() -> dict[str, str]:
    return {f"{name}.schema.json": json.dumps(model.model_json_schema(), indent=2,
                                              ensure_ascii=False) + "\n"
            for name, model in MODELS.items()}


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
