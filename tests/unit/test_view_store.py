"""The saved open-incidents view, which several workers sharing a store all write."""
from projections.open_incidents import IncidentRow, OpenIncidentsByDepartment
from infra.view_store import OpenIncidentsStore


def test_a_worker_behind_does_not_undo_what_a_worker_ahead_saved(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    ahead = OpenIncidentsByDepartment({"i-1": IncidentRow(3, "housing", False),
                                       "i-2": IncidentRow(2, "water", True)})
    behind = OpenIncidentsByDepartment({"i-1": IncidentRow(2, "housing", True),
                                        "i-2": IncidentRow(1, "unassigned", True),
                                        "i-3": IncidentRow(1, "roads", True)})
    store.save(ahead, ["i-1", "i-2"])
    store.save(behind, ["i-1", "i-2", "i-3"])
    assert store.load().rows == {"i-1": IncidentRow(3, "housing", False),
                                 "i-2": IncidentRow(2, "water", True),
                                 "i-3": IncidentRow(1, "roads", True)}
    later = OpenIncidentsByDepartment({"i-2": IncidentRow(4, "water", False)})
    store.save(later, ["i-2"])
    assert store.load().rows["i-2"] == IncidentRow(4, "water", False)
