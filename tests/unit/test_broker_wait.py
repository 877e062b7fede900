"""A starting worker waits for its broker, says so every 10 s, and after its wait exits with
one line naming the address, where it came from and the last error (infra/broker_wait.py)."""
import logging

import pytest

from infra.broker_wait import NoBroker, wait_for_broker
from infra.kafka_probe import broker_answers


class Machine:
    """A broker that answers from the `answers_at`-th second on (None: never), on a clock
    that only sleeping moves."""

    def __init__(self, answers_at: float | None):
        self.now, self.answers_at, self.asked = 0.0, answers_at, 0

    def ask(self, bootstrap: str) -> str | None:
        self.asked += 1
        if self.answers_at is not None and self.now >= self.answers_at:
            return None
        return f"KafkaConnectionError: Unable to bootstrap from {bootstrap}"

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def wait(machine: Machine, seconds: float) -> None:
    wait_for_broker("10.0.0.7:9092", seconds, ask=machine.ask, clock=machine.clock,
                    sleep=machine.sleep)


def test_a_broker_that_comes_up_within_the_wait_is_waited_for(caplog):
    machine = Machine(answers_at=25)
    with caplog.at_level(logging.WARNING, logger="grid_dispatch.worker"):
        wait(machine, 60)
    assert machine.now == 25 and machine.asked == 26   # once a second
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split(";")[1] for line in lines[:-1]] == [
        " 0 s so far, at most 60", " 10 s so far, at most 60", " 20 s so far, at most 60"]
    assert lines[0].startswith("waiting for the broker at 10.0.0.7:9092 "
                               "(KAFKA_BOOTSTRAP_SERVERS): KafkaConnectionError")
    assert lines[-1] == "the broker at 10.0.0.7:9092 answers, after 25 s"


def test_a_broker_already_up_is_not_waited_for_and_nothing_is_said(caplog):
    machine = Machine(answers_at=0)
    with caplog.at_level(logging.WARNING, logger="grid_dispatch.worker"):
        wait(machine, 60)
    assert machine.asked == 1 and caplog.records == []


def test_no_broker_within_the_wait_ends_with_one_line_that_names_it():
    machine = Machine(answers_at=None)
    with pytest.raises(NoBroker) as stopped:
        wait(machine, 5)
    assert isinstance(stopped.value, SystemExit)   # (the command exits 1, the line on stderr)
    assert str(stopped.value) == (
        "grid-dispatch worker: no broker answered at 10.0.0.7:9092 (KAFKA_BOOTSTRAP_SERVERS) "
        "within 5 s; last: KafkaConnectionError: Unable to bootstrap from 10.0.0.7:9092")
    assert machine.now == 5


def test_a_closed_port_is_told_apart_from_an_answer():
    why = broker_answers("127.0.0.1:1", timeout=2)
    assert why is not None and why.startswith("KafkaConnectionError")
    assert "KafkaConnectionError: KafkaConnectionError" not in why


def test_an_address_that_is_not_host_and_port_is_named_at_once():
    with pytest.raises(NoBroker, match=r"KAFKA_BOOTSTRAP_SERVERS='127.0.0.1:nine' is not a list "
                                       r"of host:port: invalid literal"):
        wait_for_broker("127.0.0.1:nine", 60)
