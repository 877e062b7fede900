"""The published events that move the SLA clocks without moving the ticket: extensions
asked and decided, suspension (挂账) and resumption.

The stage of dispatch/domain/incident_clock.py, kept apart as the domain keeps it.
"""
from __future__ import annotations

from typing import Literal

from dispatch.event_contract.envelope import Envelope


class ExtensionRequested(Envelope):
    type: Literal["ExtensionRequested"]
    department: str
    hours: float
    reason: str


class ExtensionGranted(Envelope):
    type: Literal["ExtensionGranted"]
    hours: float
    by: str


class ExtensionRefused(Envelope):
    type: Literal["ExtensionRefused"]
    by: str
    reason: str


class Suspended(Envelope):
    type: Literal["Suspended"]
    by: str
    reason: str


class Resumed(Envelope):
    type: Literal["Resumed"]
    by: str
