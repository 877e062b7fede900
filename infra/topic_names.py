"""The names of the four contract topics, under a prefix that isolates tenants or test runs
on one cluster.

Apart from infra/topics.py, which creates the topics with Kafka's admin client: settings,
the demo and the tests need the names without that client.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    """The four contract topics; a prefix isolates tenants or test runs on one cluster."""
    prefix: str = ""

    @property
    def reported(self) -> str:
        return f"{self.prefix}incidents.reported"

    @property
    def events(self) -> str:
        return f"{self.prefix}incidents.events"

    @property
    def commands(self) -> str:
        return f"{self.prefix}incidents.commands"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}incidents.deadletter"
