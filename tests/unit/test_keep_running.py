"""A worker task that fails is started again (with a growing pause), not left dead."""
import asyncio
import logging

import pytest

from infra.keep_running import keep_running


def test_a_failing_task_is_started_again_until_it_is_cancelled(caplog):
    runs = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise OSError(f"broker unreachable ({len(runs)})")
        await asyncio.sleep(3600)   # third time: runs until cancelled

    async def main() -> None:
        task = asyncio.create_task(keep_running("relay", flaky, pause=0.01))
        while len(runs) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.ERROR, logger="grid_dispatch.worker"):
        asyncio.run(main())
    assert runs == [0, 1, 2]
    failures = [r.getMessage() for r in caplog.records]
    assert failures == ["relay failed; starting it again in 0 s"] * 2
    assert "broker unreachable (1)" in caplog.records[0].exc_text


def test_a_task_that_returns_is_done_and_not_started_again():
    runs = []

    async def finishes() -> None:
        runs.append(1)
        await asyncio.sleep(0)   # (so that a keep_running that looped would time out)

    asyncio.run(asyncio.wait_for(keep_running("projector", finishes, pause=0.01), 1.0))
    assert runs == [1]
