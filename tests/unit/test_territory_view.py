"""The read model: precedence of location keys, visible non-answers, overlays by date."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from dispatch.territory import TerritoryService, responsible_district
from dispatch.territory.precedence import PRECEDENCE

DAY = date(2025, 1, 1)


def square(x: float, y: float, size: float = 0.01) -> list:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


@pytest.fixture(scope="module")
def view():
    s = TerritoryService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for code, name in (("A", "District A"), ("B", "District B")):
        s.register_district(code, name)
    s.register_street("S1", "s1", "A")
    s.register_community("C1", "c1", "S1")
    s.register_community("C2", "enclave", "S1")
    for code, x, community in (("G1", 121.40, "C1"), ("G2", 121.41, "C2"), ("G3", 121.42, "C1")):
        s.propose_grid(code, code, "comprehensive", "S1", community, square(x, 31.20),
                       "2024-01-01")
        s.approve_grid(code, "2024-01-02")
        s.file_grid(code, "2024-01-03")
    s.register_address("A1", "1 Road", [121.405, 31.205], "QR-1", "G1", "2024-01-03")
    s.declare_overlay("OV1", "enclave", "A", "B", ["household-registration"], "2024-01-01",
                      communities=["C2"])
    s.declare_overlay("OV2", "old deal", "A", "B", ["public-safety"], "2024-01-01",
                      grids=["G3"], effective_until="2024-12-01")
    return s.view()


def test_precedence_is_qr_address_grid_point():
    assert PRECEDENCE == ("qr_code", "address_id", "grid_id", "point")


def test_the_most_trustworthy_key_wins_when_several_are_given(view):
    everything = {"qr_code": "QR-1", "address_id": "A1", "grid_id": "G3",
                  "lat": 31.205, "lon": 121.415}
    assert view.resolve(everything, DAY).how == "qr_code"
    assert view.resolve({**everything, "qr_code": None}, DAY).how == "address_id"
    no_address = {"grid_id": "G3", "lat": 31.205, "lon": 121.415}
    assert (view.resolve(no_address, DAY).how, view.resolve(no_address, DAY).grid) == \
        ("grid_id", "G3")
    assert view.resolve({"lat": 31.205, "lon": 121.415}, DAY).grid == "G2"


def test_a_key_that_does_not_resolve_falls_through_and_is_noted(view):
    result = view.resolve({"qr_code": "QR-404", "lat": 31.205, "lon": 121.415}, DAY)
    assert (result.how, result.grid) == ("point", "G2")
    assert result.notes == ("qr_code: unknown QR code 'QR-404'",)


@pytest.mark.parametrize("location, reason", [
    ({}, "no qr_code, address_id, grid_id or lat+lon given"),
    ({"grid_id": "G9"}, "unknown grid 'G9'"),
    ({"address_id": "A9"}, "unknown address 'A9'"),
    ({"lat": 30.0, "lon": 120.0}, "no active grid covers (120.0, 30.0)"),
])
def test_no_answer_is_a_value_with_a_reason(view, location, reason):
    result = view.resolve(location, DAY)
    assert result.grid is None and not result.resolved and reason in result.reason


def test_a_grid_before_its_effective_date_is_not_an_answer(view):
    result = view.resolve({"grid_id": "G1"}, date(2024, 1, 2))
    assert result.grid is None and "in force from 2024-01-03" in result.reason


def test_overlays_apply_by_community_or_grid_and_by_date(view):
    enclave = view.by_point(121.415, 31.205, DAY)
    assert responsible_district(enclave, "household-registration.birth") == "B"
    assert responsible_district(enclave, "public-safety.dispute") == "A"
    ended = view.by_grid("G3", DAY)
    in_force = view.by_grid("G3", date(2024, 6, 1))
    assert ended.overlays == () and ended.responsible_district("public-safety.theft") == "A"
    assert in_force.responsible_district("public-safety.theft") == "B"


def test_times_are_read_on_the_city_calendar(view):
    assert view.day(datetime(2024, 1, 2, 16, 0, tzinfo=timezone.utc)) == date(2024, 1, 3)
    assert view.resolve({"grid_id": "G1"},
                        datetime(2024, 1, 2, 16, 0, tzinfo=timezone.utc)).grid == "G1"
