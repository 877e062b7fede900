"""Properties: the spatial index agrees with a brute-force scan; timelines answer by date."""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.territory.demo_city import load_demo_city
from dispatch.territory.geometry import polygon
from dispatch.territory.people import Address
from dispatch.territory.view import TerritoryView


@cache
def view() -> TerritoryView:
    return load_demo_city().view()


def brute_force(v: TerritoryView, lon: float, lat: float, day: date) -> str | None:
    point = shapely.Point(lon, lat)
    covering = [(g.code, polygon(rings)) for g in v.grids.values() if g.is_active(day)
                for start, end, rings in g.boundary_spans()
                if start <= day and (end is None or day < end) and polygon(rings).covers(point)]
    if len(covering) > 1:
        covering = [c for c in covering if c[1].contains(point)] or covering
    return min((code for code, _ in covering), default=None)


days = st.dates(date(2024, 1, 1), date(2028, 1, 1))


@settings(max_examples=300, deadline=None)
@given(lon=st.floats(121.39, 121.61), lat=st.floats(31.14, 31.31), day=days)
def test_point_lookup_through_the_index_equals_a_scan_of_every_grid(lon, lat, day):
    assert view().index.locate(lon, lat, day) == brute_force(view(), lon, lat, day)


@settings(max_examples=100, deadline=None)
@given(grid=st.integers(1, 400), corner=st.integers(0, 4), day=days)
def test_grid_corners_shared_by_neighbours_resolve_to_one_of_them(grid, corner, day):
    v = view()
    ring = v.grids[f"G{grid:04d}"].boundaries[-1][1][0]
    lon, lat = ring[corner]
    found = v.index.locate(lon, lat, day)
    assert found == brute_force(v, lon, lat, day)
    if day >= date(2024, 6, 1):
        assert found is not None


@settings(max_examples=200, deadline=None)
@given(moves=st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(["G1", "G2", "G3"])),
                      min_size=1, max_size=8, unique_by=lambda m: m[0]),
       probe=st.integers(-10, 2100))
def test_an_address_answers_with_the_last_assignment_on_or_before_the_day(moves, probe):
    start = date(2024, 1, 1)
    address = Address("A1", "1 Road", "QR-1", [121.4, 31.2])
    for offset, grid in sorted(moves):
        address.assign(grid, start + timedelta(days=offset))
    day = start + timedelta(days=probe)
    expected = [grid for offset, grid in sorted(moves) if offset <= probe]
    assert address.grid_at(day) == (expected[-1] if expected else None)


rectangles = st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(1, 8),
                                st.integers(1, 8)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(drawn=rectangles)
def test_filed_grids_never_overlap_and_only_real_overlaps_are_refused(drawn):
    from dispatch.territory import GridOverlap, TerritoryService
    service = TerritoryService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    service.register_district("D1", "d")
    service.register_street("S1", "s", "D1")
    unit = 0.001
    shapes, accepted = {}, []
    for n, (x, y, w, h) in enumerate(drawn):
        code = f"G{n}"
        x0, y0, x1, y1 = 121.4 + x * unit, 31.2 + y * unit, 121.4 + (x + w) * unit, \
            31.2 + (y + h) * unit
        shapes[code] = shapely.box(x0, y0, x1, y1)
        service.propose_grid(code, code, "comprehensive", "S1", None,
                             [list(map(list, shapes[code].exterior.coords))], "2024-01-01")
        service.approve_grid(code, "2024-01-02")
        clash = [c for c in accepted if shapes[c].intersection(shapes[code]).area > 1e-10]
        try:
            service.file_grid(code, "2024-01-03")
        except GridOverlap as refused:
            assert clash and {o[0] for o in refused.others} == set(clash)
            assert all(c in str(refused) for c in [code, *clash])
        else:
            assert not clash
            accepted.append(code)
