"""The outbound contract: pydantic models of every event published on `incidents.events`.

Written out by hand on purpose: this is what department systems code against, so a change
to a domain event must show up here as a deliberate edit (a test compares the two). The
models live by stage of the loop, as the domain's events do (routing, handling, clock,
supervision); this is where they are gathered into one union, the entry point that
dispatch/schemas.py and the tests import.
"""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from dispatch.event_contract.clock import (
    ExtensionGranted, ExtensionRefused, ExtensionRequested, Resumed, Suspended)
from dispatch.event_contract.envelope import Envelope
from dispatch.event_contract.handling import (
    Accepted, Closed, Rated, Reopened, Resolved, Returned, ReturnJudged)
from dispatch.event_contract.routing import (
    Dispatched, Located, QueuedForManualDispatch, Reassigned, Reclassified, Reported)
from dispatch.event_contract.supervision import (
    CommandRejected, DuplicateRecorded, MergedAsDuplicate, SlaAlerted, Urged, Voided)

EVENT_MODELS: tuple[type[Envelope], ...] = (
    Reported, Located, Dispatched, QueuedForManualDispatch, Reassigned, Reclassified, Accepted,
    Returned, ExtensionRequested, ExtensionGranted, ExtensionRefused, Suspended, Resumed,
    Resolved, Closed, Reopened, Rated, ReturnJudged, Urged, Voided, MergedAsDuplicate, DuplicateRecorded,
    CommandRejected, SlaAlerted,
)
IncidentEvent = Annotated[Union[EVENT_MODELS], Field(discriminator="type")]
incident_event = TypeAdapter(IncidentEvent)
