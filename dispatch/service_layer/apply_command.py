"""One command applied to its incident: which aggregate method it calls, with what.

A return or a reclassification is followed at once by a new routing decision (never a
silent loop); a supervisor's reassignment is recorded as a decision of its own, naming
the supervisor as the rule and keeping the incident's SLA class.
"""
from __future__ import annotations

from dispatch import commands as c
from dispatch.domain.errors import InvalidCommand
from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision
from dispatch.service_layer.dispatcher import Dispatcher
from dispatch.service_layer.rerouting import reroute


def apply_command(incident: Incident, command, dispatcher: Dispatcher) -> None:
    at, by = command.at, command.issued_by
    match command:
        case c.Accept():
            incident.accept(command.department, at=at)
        case c.Return():
            incident.return_(command.department, command.reason, at=at)
            reroute(incident, dispatcher, at=at)
        case c.JudgeReturn():
            incident.judge_return(command.number, command.justified, by, command.note, at=at)
        case c.RequestExtension():
            incident.request_extension(command.department, command.hours, command.reason, at=at)
        case c.DecideExtension():
            incident.decide_extension(command.granted, by, at=at, reason=command.reason)
        case c.Suspend():
            incident.suspend(by, command.reason, at=at)
        case c.Resume():
            incident.resume(by, at=at)
        case c.Resolve():
            incident.resolve(command.department, command.result, at=at)
        case c.Verify():
            incident.verify(by, command.passed, command.note, at=at)
        case c.Rate():
            incident.rate(command.rating.value, by, at=at, resolved=command.resolved)
        case c.Reassign():
            if command.department not in dispatcher.territory.departments:
                raise InvalidCommand(incident.id, "reassign",
                                     f"{command.department} is not a department of the territory")
            incident.reassign(RoutingDecision(
                rule_id=f"supervisor:{by}", policy_version=dispatcher.policy.version,
                sla_class=incident.sla_class or dispatcher.policy.document.policy.default_sla_class,
                department=command.department), by, command.reason, at=at)
        case c.Urge():
            incident.urge(by, command.note, at=at)
        case c.Void():
            incident.void(by, command.reason, at=at)
        case c.Reclassify():
            incident.reclassify(command.category, by, at=at)
            reroute(incident, dispatcher, at=at)
        case _:
            raise TypeError(f"no handler for {type(command).__name__}")
