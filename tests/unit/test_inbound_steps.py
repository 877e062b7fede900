"""Where a worker runs its inbound steps: in the event loop's own thread (infra/inbound_steps.py).

In a thread, every SQLite call a step makes would let go of the GIL and then wait for the
busy loop to hand it back, up to the 5 ms switch interval each time: that was most of the
worker's latency at 2,000 reports/s.
"""
import asyncio
import threading

from prometheus_client import CollectorRegistry

from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.inbound import InboundMessage
from infra.inbound_steps import InboundSteps
from infra.kafka_io import RenewableProducer
from infra.metrics import WorkerMetrics
from infra.store import memory_service
from tests.city import dispatcher


def test_a_step_prepares_and_records_in_the_event_loops_thread():
    step = HandleCommands(memory_service(), dispatcher())
    threads = {}
    for name in ("prepare", "record"):
        def noted(*args, _name=name, _method=getattr(step, name)):
            threads[_name] = threading.get_ident()
            return _method(*args)
        setattr(step, name, noted)
    message = InboundMessage("incidents.commands", 0, 3, b"k", b"not json")

    async def scenario():
        ready = asyncio.Event()
        ready.set()
        steps = InboundSteps(RenewableProducer("127.0.0.1:9"), "incidents.deadletter",
                             WorkerMetrics(CollectorRegistry()), ready)
        steps.publish_dead_letters = lambda letters: asyncio.sleep(0)   # no broker here
        outcome = await steps.through(step, [])
        await steps.through(step, [message])
        return threading.get_ident(), outcome
    loop_thread, outcome = asyncio.run(scenario())
    assert threads == {"prepare": loop_thread, "record": loop_thread}
    assert (outcome.applied, outcome.rejected) == (0, 0)
