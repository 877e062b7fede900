"""The incident's states and which command each allows: the closed loop as a table."""
from __future__ import annotations

from enum import Enum


class IncidentStatus(str, Enum):
    REPORTED = "reported"                          # recorded, no routing decision yet
    AWAITING_ROUTING = "awaiting_routing"          # returned or reclassified: a new decision is due
    AWAITING_MANUAL_DISPATCH = "awaiting_manual_dispatch"  # in a named queue
    DISPATCHED = "dispatched"                      # sent to a department, not yet accepted
    ACCEPTED = "accepted"                          # 签收: the department is handling it
    SUSPENDED = "suspended"                        # 挂账: the clock is paused
    RESOLVED = "resolved"                          # the department reported a result
    CLOSED = "closed"                              # 结案: verified on site
    VOIDED = "voided"                              # 作废
    MERGED = "merged"                              # closed as a duplicate of another incident


S = IncidentStatus
OPEN = frozenset(S) - {S.CLOSED, S.VOIDED, S.MERGED}
WITH_DEPARTMENT = frozenset({S.DISPATCHED, S.ACCEPTED, S.SUSPENDED, S.RESOLVED})

ALLOWED: dict[str, frozenset[IncidentStatus]] = {
    "locate": frozenset({S.REPORTED}),
    "dispatch": frozenset({S.REPORTED, S.AWAITING_ROUTING}),
    "accept": frozenset({S.DISPATCHED}),
    "return": frozenset({S.DISPATCHED, S.ACCEPTED}),
    "reassign": frozenset({S.AWAITING_ROUTING, S.AWAITING_MANUAL_DISPATCH, S.DISPATCHED,
                           S.ACCEPTED}),
    "urge": OPEN,
    "void": OPEN,
    "request extension": frozenset({S.ACCEPTED}),
    "decide extension": frozenset({S.ACCEPTED, S.SUSPENDED}),
    "suspend": frozenset({S.ACCEPTED}),
    "resume": frozenset({S.SUSPENDED}),
    "resolve": frozenset({S.ACCEPTED}),
    "verify": frozenset({S.RESOLVED}),
    "rate": frozenset({S.CLOSED}),
    "merge": OPEN,
    "record duplicate": frozenset(S) - {S.VOIDED, S.MERGED},
    "reclassify": frozenset({S.REPORTED, S.AWAITING_ROUTING, S.AWAITING_MANUAL_DISPATCH,
                             S.DISPATCHED, S.ACCEPTED}),
}
# The states no command leaves or changes: an incident in one is finished for good.
FINAL = frozenset(S) - frozenset().union(*ALLOWED.values())


class Rating(str, Enum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
