"""A failing batch: tried again while the failure may pass; else split, and the one message
that fails alone dead-lettered, the rest processed. Nothing blocks, nothing is lost."""
import asyncio
import sqlite3
from dataclasses import dataclass

from dispatch.service_layer.inbound import InboundMessage
from infra.batch_retry import resiliently


@dataclass
class Done:
    processed: list
    count: int


class FakeStep:
    """Processes messages by offset; some offsets break it, some failures pass."""

    def __init__(self, poison=(), busy_times=0):
        self.poison, self.busy_times, self.calls = set(poison), busy_times, 0

    async def __call__(self, messages):
        self.calls += 1
        if self.busy_times:
            self.busy_times -= 1
            raise sqlite3.OperationalError("database is locked")
        if any(m.offset in self.poison for m in messages):
            raise KeyError("a bug meets an odd message")
        return Done([m.offset for m in messages], len(messages))


def run(step, count=8):
    messages = [InboundMessage("t", 0, n, None, b"{}") for n in range(count)]
    letters, retries = [], []

    async def dead_letter(found):
        letters.extend(found)
    outcome = asyncio.run(resiliently(step, messages, Done([], 0), dead_letter,
                                      lambda: retries.append(1), pause=0.0001))
    return outcome, letters, retries


def test_a_failure_that_passes_is_waited_out_and_nothing_is_dead_lettered():
    step = FakeStep(busy_times=6)
    outcome, letters, retries = run(step)
    assert outcome == Done(list(range(8)), 8) and letters == [] and len(retries) == 6


def test_one_poison_message_is_found_and_dead_lettered_and_the_rest_go_through():
    outcome, letters, _ = run(FakeStep(poison={5}))
    assert outcome == Done([0, 1, 2, 3, 4, 6, 7], 7)
    assert [letter.message.offset for letter in letters] == [5]
    assert "KeyError" in letters[0].reason and "odd message" in letters[0].reason


def test_several_poison_messages_each_become_a_dead_letter():
    outcome, letters, _ = run(FakeStep(poison={0, 7, 3}), count=9)
    assert outcome.processed == [1, 2, 4, 5, 6, 8]
    assert sorted(letter.message.offset for letter in letters) == [0, 3, 7]
