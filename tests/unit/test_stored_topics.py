"""The topics stored with each event never change: a store written by any earlier version
must load. eventsourcing keeps an event's class as `module:qualname` beside its state, so
moving an event class, or the aggregate, would leave every stored event of that kind
unreadable."""
from eventsourcing.utils import get_topic, resolve_topic

from dispatch.domain.incident import Incident
from infra.store import memory_service
from tests.unit.test_event_contract import DOMAIN_EVENTS, whole_story

# As stored since the events were written: adding a name is fine, changing one is not.
STORED = {f"dispatch.domain.incident:Incident.{name}" for name in (
    "Reported", "Located", "Dispatched", "QueuedForManualDispatch", "Reassigned",
    "Reclassified", "Accepted", "Returned", "ReturnJudged", "ExtensionRequested",
    "ExtensionGranted", "ExtensionRefused", "Suspended", "Resumed", "Resolved", "Closed",
    "Reopened", "Rated", "Urged", "Voided", "MergedAsDuplicate", "SlaAlerted",
    "CommandRejected", "DuplicateRecorded")}


def test_every_event_class_is_stored_under_its_old_topic():
    assert {get_topic(cls) for cls in DOMAIN_EVENTS.values()} == STORED


def test_each_old_topic_resolves_to_the_class_the_aggregate_triggers():
    for topic in STORED:
        name = topic.rpartition(".")[2]
        assert resolve_topic(topic) is getattr(Incident, name), topic


def test_a_whole_story_is_stored_under_those_topics():
    service = memory_service()
    service.save(*whole_story())
    topics = {n.topic for n in service.notifications_after(0, 1000)}
    assert topics == STORED
