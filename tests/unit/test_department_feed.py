from projections.department_feed import DepartmentFeed
from tests.unit.story import histories


def test_a_department_sees_whole_histories_of_its_tickets_and_nothing_else():
    events = histories(80)
    feed = DepartmentFeed("housing")
    seen = list(feed.filter(events + events[:50]))  # with resends
    mine = {e["incident_id"] for e in events
            if e["type"] in ("Dispatched", "Reassigned") and e["department"] == "housing"}
    assert mine and {e["incident_id"] for e in seen} == mine
    for incident in mine:
        versions = [e["version"] for e in seen if e["incident_id"] == incident]
        assert versions == list(range(1, max(versions) + 1))  # from the report on, once each


def test_co_handling_departments_get_the_ticket_too():
    event = {"incident_id": "i", "version": 3, "type": "Dispatched", "department": "water-utility",
             "co_handling": ["environment"]}
    earlier = {"incident_id": "i", "version": 1, "type": "Reported"}
    assert [e["version"] for e in DepartmentFeed("environment").filter([earlier, event])] == [1, 3]
    assert list(DepartmentFeed("housing").filter([earlier, event])) == []
