"""The territory file checker: errors name file, record, field and value; warnings list
gaps, vacancies and multi-grid workers; the exit code tells errors from warnings."""
from __future__ import annotations

import json
from datetime import date

from dispatch.territory.check import check_document
from infra.territory_cli import territory_check


def square(x: float, y: float, size: float = 0.01) -> dict:
    return {"type": "Polygon",
            "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size],
                             [x, y]]]}


def grid(code: str, x: float, **more) -> dict:
    return {"id": code, "name": code, "kind": "comprehensive", "street": "S1",
            "community": "C1", "boundary": square(x, 31.20), "proposed_on": "2024-01-01",
            "approved_on": "2024-01-02", "filed_on": "2024-01-03", **more}


def territory(**more) -> dict:
    return {"format": "grid-dispatch/territory@1", "as_of": "2025-01-01",
            "city": {"code": "c", "name": "c", "boundary": {
                "type": "Polygon", "coordinates": [[[121.40, 31.20], [121.43, 31.20],
                                                    [121.43, 31.21], [121.40, 31.21],
                                                    [121.40, 31.20]]]}},
            "districts": [{"code": "D1", "name": "d"}],
            "streets": [{"code": "S1", "name": "s", "district": "D1"}],
            "communities": [{"code": "C1", "name": "c", "street": "S1"}],
            "grids": [grid("G1", 121.40), grid("G2", 121.41), grid("G3", 121.42)],
            "workers": [
                {"id": "W1", "name": "w1", "employment": "full_time",
                 "assignments": [{"grid": "G1", "since": "2024-01-03"},
                                 {"grid": "G2", "since": "2024-01-03"}]},
                {"id": "W2", "name": "w2", "employment": "part_time",
                 "assignments": [{"grid": "G3", "since": "2024-01-03"}]}],
            **more}


def test_a_clean_territory_has_warnings_only():
    report = check_document(territory())
    assert report.errors == []
    assert report.vacant_grids == ["G3"]
    assert report.multi_grid_workers == {"W1": ["G1", "G2"]}
    assert report.gaps == []


def test_overlapping_grids_are_an_error_naming_both():
    doc = territory()
    doc["grids"][2] = grid("G3", 121.415)
    report = check_document(doc, "city.json")
    [overlap] = [p for p in report.errors if p.kind == "overlap"]
    text = overlap.text("city.json")
    assert text.startswith("city.json: grids[2] (G3).boundary: grid G3 overlaps") and "G2" in text
    # and what depended on the refused grid is reported too, not silently dropped
    assert any(p.where == "workers[1] (W2).assignments[0]" for p in report.errors)


def test_invalid_data_names_the_record_field_and_value():
    doc = territory()
    doc["grids"][1]["kind"] = "exclusiv"
    doc["grids"][0]["filed_on"] = "2024-13-01"
    doc["workers"][0]["employmnet"] = "x"
    texts = [p.text("city.json") for p in check_document(doc, "city.json").errors]
    assert any("grids[1] (G2).kind" in t and "'exclusiv'" in t for t in texts), texts
    assert any("grids[0] (G1).filed_on" in t and "2024-13-01" in t for t in texts), texts
    assert any("workers[0] (W1).employmnet" in t for t in texts), texts


def test_commands_the_service_refuses_are_errors_with_their_place():
    doc = territory()
    doc["grids"][0] = grid("G1", 121.40, approved_on=None)
    doc["grids"][2] = grid("G3", 121.42, community="C9")
    report = check_document(doc)
    texts = [p.text() for p in report.errors]
    assert any(t.startswith("grids[0] (G1).filed_on") and "needs approved" in t for t in texts)
    assert any(t.startswith("grids[2] (G3).proposed_on") and "unknown community 'C9'" in t
               for t in texts), texts


def test_a_gap_in_the_city_boundary_is_a_warning():
    doc = territory()
    del doc["grids"][1]
    del doc["workers"][0]["assignments"][1]
    report = check_document(doc)
    assert report.errors == [] and len(report.gaps) == 1
    assert 900_000 < report.gaps[0].area_m2 < 1_200_000
    assert report.gaps[0].point[0] > 121.41 and report.gaps[0].point[0] < 121.42


def test_without_a_city_boundary_holes_between_grids_are_the_gaps():
    doc = territory()
    doc["city"] = {"code": "c", "name": "c"}
    doc["grids"] = [grid(f"G{n}", 121.40 + (n % 3) * 0.01, boundary=square(
        121.40 + (n % 3) * 0.01, 31.20 + (n // 3) * 0.01)) for n in range(9) if n != 4]
    doc["workers"] = []
    report = check_document(doc)
    assert report.errors == [] and len(report.gaps) == 1


def test_a_same_day_succession_loads_from_a_file():
    doc = territory()
    doc["grids"][0]["retired_on"] = "2025-06-01"
    doc["grids"].append(grid("G9", 121.40, proposed_on="2025-03-01",
                             approved_on="2025-04-01", filed_on="2025-06-01"))
    doc["addresses"] = [{"id": "A1", "text": "1 Road", "qr_code": "QR-1",
                         "point": [121.405, 31.205],
                         "assignments": [{"grid": "G1", "effective_from": "2024-01-03"},
                                         {"grid": "G9", "effective_from": "2025-06-01"}]}]
    report = check_document(doc)
    assert report.errors == []
    assert report.view.by_qr_code("QR-1", date(2025, 5, 31)).grid == "G1"
    assert report.view.by_qr_code("QR-1", date(2025, 6, 1)).grid == "G9"


def test_a_retirement_that_strands_addresses_is_reported_and_the_rest_loads():
    doc = territory()
    doc["grids"][0]["retired_on"] = "2025-06-01"
    doc["addresses"] = [{"id": "A1", "text": "1 Road", "qr_code": "QR-1",
                         "point": [121.405, 31.205],
                         "assignments": [{"grid": "G1", "effective_from": "2024-01-03"}]}]
    report = check_document(doc)
    [stranded] = report.errors
    assert stranded.where == "grids[0] (G1)" and stranded.field == "retired_on"
    assert "A1" in stranded.message and report.view.grids["G1"].retired_on is None


def test_the_cli_function_exit_codes_and_formats(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(territory()))
    doc = territory()
    doc["grids"][2] = grid("G3", 121.415)
    bad.write_text(json.dumps(doc))
    text, code = territory_check(str(good))
    assert code == 0 and "vacant grids (no full-time worker) (1)" in text
    text, code = territory_check(str(bad), "json")
    assert code == 1 and "overlap" in {p["kind"] for p in json.loads(text)["problems"]}
    assert territory_check(str(tmp_path / "missing.json"))[1] == 1
    (tmp_path / "broken.json").write_text("{")
    text, code = territory_check(str(tmp_path / "broken.json"))
    assert code == 1 and "not JSON" in text
    assert territory_check(str(good), "yaml")[1] == 2
