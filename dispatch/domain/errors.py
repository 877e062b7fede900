"""Domain errors: each names the incident, the command and the rule it broke."""
from __future__ import annotations


class DomainError(Exception):
    """A command that the incident refuses; nothing was changed."""

    def __init__(self, incident_id: object, command: str, problem: str):
        super().__init__(f"incident {incident_id}: cannot {command}: {problem}")
        self.incident_id = incident_id
        self.command = command
        self.problem = problem


class IllegalTransition(DomainError):
    def __init__(self, incident_id: object, command: str, status: str):
        super().__init__(incident_id, command, f"it is {status}")
        self.status = status


class NotResponsible(DomainError):
    """A department acted on a ticket that is not (or no longer) its own."""

    def __init__(self, incident_id: object, command: str, department: str,
                 responsible: str | None):
        super().__init__(incident_id, command,
                         f"{department} is not responsible (responsible: {responsible})")
        self.department = department


class ExcludedDepartment(DomainError):
    """A routing decision named a department that has already returned the ticket."""

    def __init__(self, incident_id: object, department: str):
        super().__init__(incident_id, "dispatch", f"{department} returned it before")
        self.department = department


class InvalidCommand(DomainError):
    """The command's own arguments are wrong (a missing reason, an unknown rating ...)."""
