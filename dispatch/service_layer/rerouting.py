"""A new routing decision for an incident that needs one (after a return or a new category).

The place is resolved again from the incident's own location and report time, so the
decision is made on the same facts as the first one; departments that returned it are
excluded; past the policy's return limit it goes to a manual queue and is urged, so a
ticket cannot bounce between departments without a person looking at it.
"""
from __future__ import annotations

from datetime import datetime

from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision
from dispatch.service_layer.dispatcher import Dispatcher

ROUTING_POLICY_ACTOR = "routing-policy"


def reroute(incident: Incident, dispatcher: Dispatcher, at: datetime) -> RoutingDecision:
    placement = dispatcher.place(incident.location, incident.category, incident.source,
                                 incident.priority, incident.reported_at)
    decision = dispatcher.decide(placement.situation, excluded=incident.excluded_departments,
                                 returns=incident.return_count)
    incident.dispatch(decision, at=at)
    if decision.rule_id == "return-limit":
        incident.urge(ROUTING_POLICY_ACTOR,
                      f"returned {incident.return_count} times: needs a person to dispatch it",
                      at=at)
    return decision
