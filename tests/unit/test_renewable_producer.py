"""A producer whose sender died is replaced: dead letters that failed on it are retried on
a new one, instead of failing the same way for ever."""
import asyncio

import pytest
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry

import infra.kafka_io as kafka_io
from dispatch.service_layer.inbound import DeadLetter, InboundMessage
from infra.inbound_steps import InboundSteps
from infra.kafka_io import RenewableProducer
from infra.metrics import WorkerMetrics


class FakeProducer:
    def __init__(self, fails: bool):
        self.fails, self.started, self.stopped, self.sent = fails, False, False, []

    async def start(self):
        self.started = True

    async def stop(self):
        self.stopped = True

    async def send(self, topic, value, key=None, headers=None):
        if self.fails:
            raise KafkaError("the sender task died")
        self.sent.append((topic, key))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def test_dead_letters_that_failed_on_a_dead_producer_go_out_on_a_new_one(monkeypatch):
    made = []

    def new_producer(bootstrap):
        made.append(FakeProducer(fails=not made))   # the first one is broken
        return made[-1]
    monkeypatch.setattr(kafka_io, "new_producer", new_producer)
    letter = DeadLetter(InboundMessage("incidents.reported", 0, 7, b"k", b"not json"),
                        "not JSON", [])

    async def scenario():
        ready = asyncio.Event()
        ready.set()
        steps = InboundSteps(RenewableProducer("127.0.0.1:9"), "incidents.deadletter",
                             WorkerMetrics(CollectorRegistry()), ready)
        with pytest.raises(KafkaError):
            await steps.publish_dead_letters([letter])
        await steps.publish_dead_letters([letter])   # the retry
    asyncio.run(scenario())
    assert len(made) == 2 and made[0].stopped and made[1].started
    assert made[1].sent == [("incidents.deadletter", b"k")]
