"""The demo city: shipped data equals its generator, and each hard case answers right."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from functools import cache

from dispatch.territory import GridKind, TerritoryView
from dispatch.territory.demo_city import DATA_FILE, build_demo_city, load_demo_city, render
from infra.territory_cli import territory_check

TODAY = date(2026, 11, 2)
ENCLAVE = ["C048", "C049", "C050", "C051"]


@cache
def view() -> TerritoryView:
    return load_demo_city().view()


def test_the_committed_file_is_the_generator_output():
    assert DATA_FILE.read_text(encoding="utf-8") == render(build_demo_city())
    assert DATA_FILE.stat().st_size < 2_000_000


def test_the_demo_city_has_the_promised_size():
    v = view()
    assert (len(v.districts), len(v.streets), len(v.communities)) == (3, 12, 51)
    assert len(v.grids) == 400 and sorted(v.grids)[0] == "G0001" and max(v.grids) == "G0400"
    assert 40 <= len(v.departments) <= 45
    assert len(v.active_grids(TODAY)) == 400
    exclusive = {g.name for g in v.active_grids(TODAY)
                 if g.responsibility_at(TODAY).kind is GridKind.EXCLUSIVE}
    assert exclusive == {"Dongtan Industrial Park", "Nanqiao University Campus",
                         "Huaxin People's Hospital", "Huaxin Central Market"}
    assert len(v.addresses) > 1200 and len(v.workers) > 400


CITY_DEPARTMENTS = ("urban-management", "housing", "environment", "public-security",
                    "comprehensive-governance", "civil-affairs", "human-resources",
                    "market-supervision", "transport", "water-utility", "emergency")


def test_the_city_level_line_departments_exist():
    departments = view().departments
    for code in CITY_DEPARTMENTS:
        assert departments[code].level.value == "city", code


def test_qr_codes_follow_the_simulator_format():
    resolution = view().resolve({"qr_code": "QR-0123-002"}, TODAY)
    assert resolution.grid == "G0123" and resolution.how == "qr_code"
    unknown_plate = view().resolve({"qr_code": "QR-0123-045", "grid_id": "G0123"}, TODAY)
    assert unknown_plate.grid == "G0123" and unknown_plate.how == "grid_id"
    assert unknown_plate.notes == ("qr_code: unknown QR code 'QR-0123-045'",)


def test_the_enclave_one_place_two_districts_by_category():
    v = view()
    grid = next(g for g in v.grids.values() if g.responsibility_at(TODAY).community == ENCLAVE[0])
    place = v.by_grid(grid.code, TODAY)
    assert place.district == "D01" and [o.code for o in place.overlays] == ["OV-ENCLAVE-1"]
    assert place.responsible_district("household-registration.transfer") == "D02"
    assert place.responsible_district("public-safety.key-person") == "D02"
    assert place.responsible_district("public-safety.dispute.neighbour") == "D01"
    assert place.responsible_district("public-safety.key-personnel") == "D01"
    assert place.responsible_district("city-appearance.rubbish") == "D01"
    # the same point, found by coordinates, carries the same overlay
    lon, lat = v.addresses[f"A-{grid.code}-001"].point
    assert v.by_point(lon, lat, TODAY).responsible_district("household-registration") == "D02"


def test_outside_the_enclave_district_a_keeps_every_category():
    place = view().by_grid("G0001", TODAY)
    assert place.overlays == () and place.responsible_district("household-registration") == "D01"


def test_the_research_park_belongs_to_s1_until_its_transfer_is_filed():
    v = view()
    park = next(g.code for g in v.grids.values() if g.name == "Meilong Research Park")
    before = v.by_grid(park, date(2026, 12, 31))
    on, after = v.by_grid(park, date(2027, 1, 1)), v.by_grid(park, date(2028, 6, 1))
    assert (before.street, before.kind, before.managing_unit) == \
        ("ST06", GridKind.COMPREHENSIVE, None)
    assert (on.street, on.kind, on.managing_unit, on.community) == \
        ("ST07", GridKind.EXCLUSIVE, "meilong-research-park-committee", None)
    assert after == on.__class__(**{**{s: getattr(on, s) for s in on.__slots__},
                                    "at": date(2028, 6, 1)})
    # 2026-12-31T16:30Z is already 2027-01-01 in the city
    late = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)
    assert v.resolve({"qr_code": f"QR-{park[1:]}-001"}, late).street == "ST07"
    assert [(d, r.street) for d, r in v.responsibility_history(park)] == \
        [(None, "ST06"), (date(2027, 1, 1), "ST07")]


def test_a_place_with_no_owner_resolves_to_no_grid_visibly():
    v = view()
    lon, lat = v.addresses["A-GAP-001"].point
    by_point = v.resolve({"lat": lat, "lon": lon}, TODAY)
    assert by_point.grid is None and by_point.how == "point"
    assert "no active grid covers" in by_point.reason
    by_qr = v.resolve({"qr_code": "QR-GAP-001"}, TODAY)
    assert by_qr.grid is None and "has no grid" in by_qr.reason


def test_the_checker_finds_no_errors_but_lists_the_known_defects():
    text, code = territory_check(str(DATA_FILE))
    assert code == 0, text
    assert "0 error(s)" in text
    assert "vacant grids (no full-time worker) (12)" in text
    assert "workers holding two or more grids (8)" in text
    assert "gaps (no active grid) (1)" in text
    report = json.loads(territory_check(str(DATA_FILE), "json")[0])
    assert report["ok"] and len(report["vacant_grids"]) == 12
    assert all(len(grids) == 2 for grids in report["multi_grid_workers"].values())
    assert report["summary"]["staffing_by_district"]["D03"]["vacant"] == 9
