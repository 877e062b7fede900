"""Domain errors: each names the incident and the rule that the command broke."""
from __future__ import annotations


class DomainError(Exception):
    pass


class IllegalTransition(DomainError):
    def __init__(self, incident_id: object, command: str, status: str):
        super().__init__(f"incident {incident_id}: cannot {command} while {status}")
        self.incident_id = incident_id
        self.command = command
        self.status = status
