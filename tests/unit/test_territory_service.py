"""Contract suite: the territory service behaves the same on every event store.

As in pyeventsourcing's own contract tests, one abstract class holds the tests and each
persistence module gets a subclass that says how to make (and reopen) the service.
"""
from __future__ import annotations

from datetime import date

import pytest

from dispatch.territory import (DateOutOfOrder, DuplicateCode, GridAlreadyRetired,
                                GridNotActive, GridNotApproved, GridNotFiled,
                                GridNotProposed, GridOverlap, GridStillHasAddresses,
                                InvalidTerritoryValue, TerritoryService, TerritoryView,
                                UnknownUnit)
from dispatch.territory.grid import Grid
from dispatch.territory.people import Address


def square(x: float, y: float, size: float = 0.01) -> list:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def city(service: TerritoryService) -> TerritoryService:
    service.register_district("D1", "District A")
    service.register_district("D2", "District B")
    service.register_street("S1", "Street One", "D1")
    service.register_street("S2", "Street Two", "D1")
    service.register_community("C1", "Community One", "S1")
    service.register_community("C2", "Community Two", "S2")
    service.register_department("park-committee", "Park Committee", "city")
    return service


def filed(service: TerritoryService, code: str, boundary: list, on: str = "2024-06-01",
          street: str = "S1", community: str | None = "C1") -> None:
    service.propose_grid(code, f"grid {code}", "comprehensive", street, community, boundary,
                         "2024-03-01")
    service.approve_grid(code, "2024-04-01")
    service.file_grid(code, on)


class TerritoryServiceContract:
    def make_service(self, tmp_path) -> TerritoryService:
        raise NotImplementedError

    @pytest.fixture
    def service(self, tmp_path) -> TerritoryService:
        return city(self.make_service(tmp_path))

    def test_an_overlapping_grid_is_refused_naming_both_grids(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.propose_grid("G2", "g2", "comprehensive", "S1", "C1",
                             square(121.405, 31.20), "2024-03-01")
        service.approve_grid("G2", "2024-04-01")
        with pytest.raises(GridOverlap, match=r"grid G2 overlaps .*G1") as refused:
            service.file_grid("G2", "2024-06-01")
        assert refused.value.grid == "G2" and [o[0] for o in refused.value.others] == ["G1"]
        assert service.get(Grid, "G2").status.value == "approved"

    def test_grids_that_share_an_edge_do_not_overlap(self, service):
        filed(service, "G1", square(121.40, 31.20))
        filed(service, "G2", square(121.41, 31.20))
        assert service.get(Grid, "G2").status.value == "filed"

    def test_the_same_ground_may_be_reused_after_the_old_grid_retires(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.retire_grid("G1", "2025-01-01")
        service.propose_grid("G2", "g2", "comprehensive", "S1", "C1",
                             square(121.40, 31.20), "2024-10-01")
        service.approve_grid("G2", "2024-11-01")
        with pytest.raises(GridOverlap, match="G1 from 2024-12-01 until 2025-01-01"):
            service.file_grid("G2", "2024-12-01")
        service.file_grid("G2", "2024-12-01", effective_from="2025-01-01")

    def test_a_redraw_into_a_neighbour_is_refused_and_a_later_one_is_dated(self, service):
        filed(service, "G1", square(121.40, 31.20))
        filed(service, "G2", square(121.41, 31.20))
        with pytest.raises(GridOverlap, match="grid G1 overlaps active grid.s. G2"):
            service.redraw_grid("G1", square(121.40, 31.20, 0.015), "2025-01-01")
        service.redraw_grid("G1", square(121.40, 31.20, 0.005), "2025-01-01")
        view = service.view()
        assert view.by_point(121.408, 31.201, date(2024, 12, 31)).grid == "G1"
        assert view.by_point(121.408, 31.201, date(2025, 1, 1)).grid is None

    def test_lifecycle_order_is_enforced(self, service):
        service.propose_grid("G1", "g1", "comprehensive", "S1", "C1", square(121.4, 31.2),
                             "2024-03-01")
        with pytest.raises(GridNotApproved, match="cannot file while proposed"):
            service.file_grid("G1", "2024-06-01")
        with pytest.raises(GridNotFiled, match="cannot transfer while proposed"):
            service.transfer_grid("G1", "S2", "C2", "comprehensive", "2025-01-01")
        with pytest.raises(DateOutOfOrder, match="approval dated 2024-02-01"):
            service.approve_grid("G1", "2024-02-01")
        service.approve_grid("G1", "2024-04-01")
        with pytest.raises(GridNotProposed):
            service.approve_grid("G1", "2024-04-02")
        service.file_grid("G1", "2024-06-01")
        service.retire_grid("G1", "2025-06-01")
        with pytest.raises(GridAlreadyRetired, match="cannot retire while retired"):
            service.retire_grid("G1", "2025-07-01")
        with pytest.raises(GridAlreadyRetired):
            service.redraw_grid("G1", square(121.4, 31.2), "2025-08-01")

    def test_a_transfer_keeps_the_old_owner_before_its_date(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.transfer_grid("G1", "S2", None, "exclusive", "2027-01-01",
                              managing_unit="park-committee")
        with pytest.raises(DateOutOfOrder, match="transfer dated 2026-06-01"):
            service.transfer_grid("G1", "S2", "C2", "comprehensive", "2026-06-01")
        with pytest.raises(InvalidTerritoryValue, match="managing_unit"):
            service.transfer_grid("G1", "S2", None, "exclusive", "2028-01-01")
        view = service.view()
        before, on = view.by_grid("G1", date(2026, 12, 31)), view.by_grid("G1", date(2027, 1, 1))
        assert (before.street, before.kind.value, before.managing_unit) == \
            ("S1", "comprehensive", None)
        assert (on.street, on.kind.value, on.managing_unit) == \
            ("S2", "exclusive", "park-committee")

    def test_an_address_moved_to_another_grid_answers_by_date(self, service):
        filed(service, "G1", square(121.40, 31.20))
        filed(service, "G2", square(121.41, 31.20))
        service.register_address("A1", "1 Road", [121.405, 31.205], "QR-1", "G1", "2024-06-01")
        service.assign_address("A1", "G2", "2025-03-01")
        with pytest.raises(DateOutOfOrder):
            service.assign_address("A1", "G1", "2025-01-01")
        view = service.view()
        assert view.by_qr_code("QR-1", date(2025, 2, 28)).grid == "G1"
        assert view.by_qr_code("QR-1", date(2025, 3, 1)).grid == "G2"
        assert view.by_address("A1", date(2024, 5, 31)).grid is None

    def test_an_address_is_only_assigned_to_an_active_grid(self, service):
        filed(service, "G1", square(121.40, 31.20), on="2024-06-01")
        service.propose_grid("G2", "g2", "comprehensive", "S1", "C1", square(121.41, 31.2),
                             "2024-03-01")
        service.register_address("A1", "1 Road", [121.405, 31.205], "QR-1")
        with pytest.raises(GridNotActive, match="G2 is not active on 2024-07-01 .it is proposed"):
            service.assign_address("A1", "G2", "2024-07-01")
        with pytest.raises(GridNotActive, match="in force from 2024-06-01"):
            service.assign_address("A1", "G1", "2024-05-01")
        service.retire_grid("G1", "2026-01-01")
        with pytest.raises(GridNotActive, match="retired from 2026-01-01"):
            service.assign_address("A1", "G1", "2025-01-01")

    def test_a_grid_with_addresses_cannot_retire_until_they_move(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.register_address("A1", "1 Road", [121.405, 31.205], "QR-1", "G1", "2024-06-01")
        with pytest.raises(GridStillHasAddresses, match="A1"):
            service.retire_grid("G1", "2026-01-01")
        assert service.get(Grid, "G1").retired_on is None

    def test_a_succession_is_one_unit_of_work(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.register_address("A1", "1 Road", [121.405, 31.205], "QR-1", "G1", "2024-06-01")
        service.propose_grid("G9", "successor", "comprehensive", "S1", "C1",
                             square(121.40, 31.20), "2025-10-01")
        service.approve_grid("G9", "2025-11-01")
        with service.unit_of_work():
            service.retire_grid("G1", "2026-01-01")
            service.file_grid("G9", "2025-12-01", effective_from="2026-01-01")
            service.assign_address("A1", "G9", "2026-01-01")
        view = service.view()
        assert view.by_qr_code("QR-1", date(2025, 12, 31)).grid == "G1"
        assert view.by_qr_code("QR-1", date(2026, 1, 1)).grid == "G9"

    def test_a_failed_unit_of_work_saves_and_remembers_nothing(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.register_address("A1", "1 Road", [121.405, 31.205], "QR-1", "G1", "2024-06-01")
        with pytest.raises(GridStillHasAddresses):
            with service.unit_of_work():
                service.register_address("A2", "2 Road", [121.406, 31.205], "QR-2")
                service.retire_grid("G1", "2026-01-01")
        assert service.get(Grid, "G1").retired_on is None
        with pytest.raises(UnknownUnit):
            service.get(Address, "A2")
        service.register_address("A2", "2 Road", [121.406, 31.205], "QR-2")

    def test_codes_and_qr_codes_are_unique_and_parents_must_exist(self, service):
        with pytest.raises(DuplicateCode):
            service.register_district("D1", "again")
        with pytest.raises(UnknownUnit, match="unknown street 'S9'"):
            service.register_community("C9", "c", "S9")
        with pytest.raises(InvalidTerritoryValue, match="not the community's street"):
            service.propose_grid("G1", "g", "comprehensive", "S2", "C1", square(121.4, 31.2),
                                 "2024-03-01")
        service.register_address("A1", "1 Road", [121.4, 31.2], "QR-1")
        with pytest.raises(DuplicateCode, match="QR-1"):
            service.register_address("A2", "2 Road", [121.4, 31.2], "QR-1")

    def test_departments_know_their_level_parent_and_unit(self, service):
        service.register_department("public-security", "PSB", "city")
        service.register_department("D1-public-security", "PSB D1", "district",
                                    "public-security", "D1")
        with pytest.raises(InvalidTerritoryValue, match="unit"):
            service.register_department("S1-office", "office", "street", "D1-public-security")
        service.register_department("S1-office", "office", "street", "D1-public-security", "S1")
        with pytest.raises(InvalidTerritoryValue, match="below district level"):
            service.register_department("D1-x", "x", "district", "S1-office", "D1")

    def test_an_invalid_boundary_is_refused_with_its_value(self, service):
        bow_tie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
        with pytest.raises(InvalidTerritoryValue, match="boundary is not a valid polygon"):
            service.propose_grid("G1", "g", "comprehensive", "S1", "C1", bow_tie, "2024-03-01")

    def test_workers_hold_grids_for_dated_spans(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.register_worker("W1", "Wang Wei", "full_time")
        with pytest.raises(GridNotActive):
            service.assign_worker("W1", "G1", "2024-01-01")
        service.assign_worker("W1", "G1", "2024-06-01")
        service.release_worker("W1", "G1", "2025-01-01")
        view = service.view()
        assert view.workers["W1"].grids_at(date(2024, 12, 31)) == ["G1"]
        assert view.workers["W1"].grids_at(date(2025, 1, 1)) == []

    def test_a_view_replayed_from_the_stored_events_answers_the_same(self, service):
        filed(service, "G1", square(121.40, 31.20))
        service.transfer_grid("G1", "S2", "C2", "comprehensive", "2026-01-01")
        service.register_address("A1", "1 Road", [121.405, 31.205], "QR-1", "G1", "2024-06-01")
        events = [service.mapper.to_domain_event(n)
                  for n in service.recorder.select_notifications(1, 1000)]
        replayed, direct = TerritoryView.from_events(events), service.view()
        for day in (date(2025, 1, 1), date(2026, 1, 1)):
            assert replayed.by_qr_code("QR-1", day) == direct.by_qr_code("QR-1", day)
            assert replayed.by_point(121.401, 31.201, day) == \
                direct.by_point(121.401, 31.201, day)


class TestTerritoryServiceInMemory(TerritoryServiceContract):
    def make_service(self, tmp_path) -> TerritoryService:
        return TerritoryService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


class TestTerritoryServiceSQLite(TerritoryServiceContract):
    def make_service(self, tmp_path) -> TerritoryService:
        return TerritoryService(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                     "SQLITE_DBNAME": str(tmp_path / "territory.sqlite")})

    def test_a_reopened_store_knows_the_territory(self, service, tmp_path):
        filed(service, "G1", square(121.40, 31.20))
        service.register_address("A1", "1 Road", [121.405, 31.205], "QR-1", "G1", "2024-06-01")
        reopened = self.make_service(tmp_path)
        with pytest.raises(DuplicateCode):
            reopened.register_address("A2", "2 Road", [121.4, 31.2], "QR-1")
        reopened.propose_grid("G2", "g2", "comprehensive", "S1", "C1", square(121.405, 31.2),
                              "2024-03-01")
        reopened.approve_grid("G2", "2024-04-01")
        with pytest.raises(GridOverlap, match="G1"):
            reopened.file_grid("G2", "2024-06-01")

    def test_a_second_writer_sees_what_the_first_recorded(self, service, tmp_path):
        other = self.make_service(tmp_path)
        filed(service, "G1", square(121.40, 31.20))
        with pytest.raises(DuplicateCode):
            other.propose_grid("G1", "again", "comprehensive", "S1", "C1",
                               square(121.5, 31.2), "2024-03-01")
        assert other.view().by_grid("G1", date(2025, 1, 1)).grid == "G1"
