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
