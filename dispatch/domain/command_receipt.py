"""A command's receipt: the record that a command id was handled, and how.

Its id derives from the command id, so a command delivered again, or sent again by a
department system that did not see the first answer, is found and not applied twice.
"""
from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

RECEIPT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:grid-dispatch:command")


def receipt_id_for(command_id: str) -> UUID:
    return uuid5(RECEIPT_NAMESPACE, command_id)


class CommandReceipt(Aggregate):
    @staticmethod
    def create_id(command_id: str) -> UUID:
        return receipt_id_for(command_id)

    @event("Received")
    def __init__(self, command_id: str, incident_id: str, command_type: str, issued_by: str,
                 outcome: str, reason: str, at: datetime):
        self.command_id, self.incident_id, self.command_type = command_id, incident_id, command_type
        self.issued_by, self.outcome, self.reason = issued_by, outcome, reason
