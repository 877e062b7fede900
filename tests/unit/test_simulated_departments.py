"""The simulated city's departments answer events with the commands a real one would."""
from infra.simulated_departments import Behaviour, SimulatedDepartments
from tests.unit.story import histories


def departments(**behaviour) -> SimulatedDepartments:
    return SimulatedDepartments("unused:9092", "e", "c", "g", Behaviour(**behaviour), seed=1)


def event(version: int, kind: str, **fields) -> dict:
    return {"incident_id": "i-1", "version": version, "type": kind,
            "occurred_at": "2026-11-26T10:00:00+08:00", **fields}


def test_each_stage_gets_its_answer_once_and_later_in_business_time():
    sim = departments(returns=0, suspends=0, asks_extension=0, late=0, fails_verification=0, rates=1)
    place = {"grid_workers": ["W7"], "grid": "G1"}
    answers = [sim.react(e) for e in [
        event(2, "Located", place=place), event(3, "Dispatched", department="housing"),
        event(4, "Accepted", department="housing"), event(5, "Resolved", department="housing"),
        event(6, "Closed"), event(6, "Closed")]]
    kinds = [[command["type"] for _, command in answer] for answer in answers]
    assert kinds == [[], ["accept"], ["resolve"], ["verify"], ["rate"], []]
    verify = answers[3][0][1]
    assert verify["issued_by"] == "W7" and verify["passed"] is True
    assert verify["at"] > "2026-11-26T10:00:00+08:00"
    assert verify["command_id"] == "sim:i-1:5:verify"


def test_returns_queues_and_suspensions_are_answered():
    sim = departments(returns=1)
    assert sim.react(event(3, "Dispatched", department="police"))[0][1]["type"] == "return"
    assert sim.react(event(4, "QueuedForManualDispatch", manual_queue="q"))[0][1]["type"] == "reassign"
    assert sim.react(event(5, "Suspended"))[0][1]["type"] == "resume"
    assert sim.react(event(6, "ExtensionRequested", hours=16))[0][1]["type"] == "decide_extension"


def test_every_command_it_sends_is_valid():
    from dispatch.commands import incident_command
    sim = departments()
    for e in histories(30):
        for _, command in sim.react(e):
            incident_command.validate_python(command)
