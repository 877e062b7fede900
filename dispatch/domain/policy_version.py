"""A routing policy version, recorded once when it is first put in force.

Decisions name the version (a content hash); this record keeps the text that hash stands
for, so any past decision can be explained against exactly the rules that made it.
"""
from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

POLICY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:grid-dispatch:policy-version")


class PolicyVersion(Aggregate):
    @staticmethod
    def create_id(version: str) -> UUID:
        return uuid5(POLICY_NAMESPACE, version)

    @event("Loaded")
    def __init__(self, version: str, name: str, source: str, text: str, at: datetime):
        self.version, self.name, self.source, self.text = version, name, source, text
