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


def test_a_starting_worker_catches_up_without_taking_back_newer_rows(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    # Saved by a worker that runs on: i-1 is further along than the store was when the
    # starting worker built its view; i-4 was recorded since; i-9 is from another store.
    saved = OpenIncidentsByDepartment({"i-1": IncidentRow(5, "housing", False),
                                       "i-2": IncidentRow(1, "unassigned", True),
                                       "i-4": IncidentRow(1, "roads", True),
                                       "i-9": IncidentRow(7, "water", True)})
    store.save(saved, list(saved.rows))
    built = OpenIncidentsByDepartment({"i-1": IncidentRow(3, "housing", True),
                                       "i-2": IncidentRow(2, "water", True),
                                       "i-3": IncidentRow(1, "roads", True)})
    asked: list[list[str]] = []

    def still_stored(incident_ids: list[str]) -> set[str]:
        asked.append(sorted(incident_ids))
        return {"i-4"} & set(incident_ids)

    store.catch_up(built, still_stored)
    assert store.load().rows == {"i-1": IncidentRow(5, "housing", False),
                                 "i-2": IncidentRow(2, "water", True),
                                 "i-3": IncidentRow(1, "roads", True),
                                 "i-4": IncidentRow(1, "roads", True)}
    assert asked == [["i-4", "i-9"]]   # only the rows the view lacks are looked up


def test_a_rebuild_replaces_rows_whatever_version_the_file_held(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    store.save(OpenIncidentsByDepartment({"i-1": IncidentRow(5, "housing", False)}), ["i-1"])
    rebuilt = OpenIncidentsByDepartment({"i-2": IncidentRow(2, "water", True)})
    store.replace(rebuilt)
    assert store.load().rows == rebuilt.rows
