"""The Kafka client's repeated complaints: the first of a kind at once, then one a window
with the count of those held (infra/log_repeats.py)."""
import logging

from infra.log_repeats import RepeatedRecords, hold_repeats


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(message: str, *args, name: str = "aiokafka.client",
           level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args, None)


def passed(repeats: RepeatedRecords, *records: logging.LogRecord) -> list[str]:
    return [r.getMessage() for r in records if repeats.filter(r)]


def test_a_kind_repeated_within_the_window_goes_out_once_then_with_its_count():
    clock = Clock()
    repeats = RepeatedRecords(window=30, clock=clock)
    burst = [record("Unable connect to node with id %s: %s", 1, f"refused {n}") for n in range(500)]
    assert passed(repeats, *burst) == ["Unable connect to node with id 1: refused 0"]
    clock.now = 31
    assert passed(repeats, record("Unable connect to node with id %s: %s", 1, "refused 500")) == [
        "Unable connect to node with id 1: refused 500 (and 499 more like it in the last 31 s)"]
    clock.now = 62   # none held since: no count
    assert passed(repeats, record("Unable connect to node with id %s: %s", 1, "again")) == [
        "Unable connect to node with id 1: again"]


def test_a_record_with_its_count_formats_as_faust_formats_it():
    import io

    from mode.utils.logging import ExtensionFormatter
    clock = Clock()
    repeats = RepeatedRecords(window=30, clock=clock)
    first, again, later = (record("Unable to update metadata from %s", [1]) for _ in range(3))
    assert repeats.filter(first) and not repeats.filter(again)
    clock.now = 45
    assert repeats.filter(later)
    formatted = ExtensionFormatter(stream=io.StringIO(), fmt="%(levelname)s %(message)s").format(later)
    assert formatted == ("ERROR Unable to update metadata from [1] "
                         "(and 1 more like it in the last 45 s)")


def test_kinds_are_held_apart_and_quieter_levels_are_not_held():
    repeats = RepeatedRecords(window=30, clock=Clock())
    out = passed(repeats, record("Unable to update metadata from %s", [1]),
                 record("Failed fetch messages from %s: %s", 1, "NodeNotReady"),
                 record("Unable to update metadata from %s", [1]),
                 record("Unable to update metadata from %s", [1], name="aiokafka.conn"),
                 *[record("Joined group %s", "g", level=logging.INFO)] * 3)
    assert out == ["Unable to update metadata from [1]", "Failed fetch messages from 1: NodeNotReady",
                   "Unable to update metadata from [1]", *["Joined group g"] * 3]


def test_every_aiokafka_logger_gets_the_filter(caplog):
    import aiokafka  # noqa: F401  (its modules make their loggers when imported)
    repeats = hold_repeats()
    try:
        fetcher = logging.getLogger("aiokafka.consumer.fetcher")
        assert repeats in fetcher.filters and repeats in logging.getLogger("aiokafka.conn").filters
        with caplog.at_level(logging.ERROR, logger="aiokafka"):
            for _ in range(50):
                fetcher.error("Failed fetch messages from %s: %s", 1, "NodeNotReadyError")
        assert [r.getMessage() for r in caplog.records] == [
            "Failed fetch messages from 1: NodeNotReadyError"]
    finally:
        for name in list(logging.root.manager.loggerDict):
            if name.startswith("aiokafka"):
                logging.getLogger(name).removeFilter(repeats)
