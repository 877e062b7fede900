"""The latency benchmark's sender lets go of deliveries as they complete, failures raised."""
import asyncio

import pytest

from benchmarks.paced_round_trip import undelivered


def test_completed_deliveries_are_let_go_and_a_failed_one_raises():
    async def check():
        loop = asyncio.get_running_loop()
        done, waiting, failed = loop.create_future(), loop.create_future(), loop.create_future()
        done.set_result("ok")
        assert undelivered([done, waiting]) == [waiting]
        failed.set_exception(RuntimeError("broker gone"))
        with pytest.raises(RuntimeError, match="broker gone"):
            undelivered([done, failed, waiting])
    asyncio.run(check())


def test_latencies_are_grouped_by_when_they_were_sent_and_the_slowest_seconds_named():
    from benchmarks.paced_round_trip import Run
    sent = {f"r{n}": 100.0 + n * 0.25 for n in range(12)}         # 3 s of sending, 4 a second
    arrived = {key: at + (0.5 if key == "r5" else 0.01) for key, at in sent.items()}
    del arrived["r11"]                                              # never came: left out
    run = Run(sent, arrived)
    spans = run.by_span(1.0)
    assert sorted(spans) == [0, 1, 2] and [len(spans[s]) for s in (0, 1, 2)] == [4, 4, 3]
    assert run.slowest_seconds(2) == "500 ms at 1 s, 10 ms at 2 s"


def test_the_latency_benchmark_finds_the_workers_stall_reports_in_its_log():
    from benchmarks.latency import stall_reports
    log = "\n".join([
        "[2026-11-27 21:00:00,001] [411] [INFO] routing",
        "[2026-11-27 21:00:01,500] [411] [WARNING] event loop held for 180 ms so far, in:",
        '  File "infra/inbound_steps.py", line 60, in once',
        "    return step.record(prepared)",
        "[2026-11-27 21:00:01,510] [412] [INFO] relayed 90 events",
        "[2026-11-27 21:00:03,400] [411] [WARNING] event loop came round after about 1890 ms",
        "[2026-11-27 21:00:04,000] [411] [INFO] routing"])
    [report] = stall_reports(log)
    assert report.splitlines() == [
        "[2026-11-27 21:00:01,500] [411] [WARNING] event loop held for 180 ms so far, in:",
        '  File "infra/inbound_steps.py", line 60, in once',
        "    return step.record(prepared)",
        "[2026-11-27 21:00:03,400] [411] [WARNING] event loop came round after about 1890 ms"]
    assert stall_reports(log.replace("event loop", "loop")) == []
    [innermost] = stall_reports(log, stack_lines=1)   # where the loop was held, not the top
    assert innermost.splitlines()[1] == "    return step.record(prepared)"



def test_the_latency_benchmark_counts_slow_checkpoints_by_mode_with_the_longest():
    from benchmarks.latency import checkpoint_summary
    lines = [
        "[2026-11-28 00:01:00,000] [7] [WARNING] PASSIVE checkpoint of store.sqlite took 58 ms "
        "(6699 of 6699 log pages copied)",
        "[2026-11-28 00:01:09,000] [7] [WARNING] RESTART checkpoint of store.sqlite took 52 ms "
        "(6431 of 6431 log pages copied, busy)",
        "[2026-11-28 00:01:30,000] [8] [WARNING] PASSIVE checkpoint of store.sqlite took 101 ms "
        "(3507 of 3507 log pages copied)"]
    assert checkpoint_summary(lines) == ("3; RESTART 1, the longest 52 ms; "
                                         "PASSIVE 2, the longest 101 ms")
    assert checkpoint_summary([]) == "0"
