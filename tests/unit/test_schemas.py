import json

from dispatch.schemas import SCHEMA_DIR, rendered_schemas, stale_schemas, write_schemas


def test_the_committed_schema_files_match_the_models():
    assert stale_schemas() == [], "run `grid-dispatch schemas --write` and commit the result"


def test_a_changed_schema_file_is_found_stale(tmp_path):
    write_schemas(tmp_path)
    assert stale_schemas(tmp_path) == []
    path = tmp_path / "IncidentReported.schema.json"
    schema = json.loads(path.read_text())
    schema["required"].remove("category")
    path.write_text(json.dumps(schema))
    assert stale_schemas(tmp_path) == ["IncidentReported.schema.json"]


def test_the_ingress_schema_requires_what_the_contract_requires():
    schema = json.loads(rendered_schemas()["IncidentReported.schema.json"])
    assert set(schema["required"]) == {"report_id", "source", "category", "reported_at",
                                       "location", "description"}
    assert (SCHEMA_DIR / "IncidentReported.schema.json").exists()
