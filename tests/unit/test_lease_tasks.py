"""Taking the store's lease: the topic is read to its end before the relay feeds the views."""
import asyncio

import pytest

from infra.lease_tasks import LeaseTasks


class LeaseFreeAfter:
    """Held by another worker for the first `tries` tries."""
    def __init__(self, tries: int):
        self.tries = tries

    def try_acquire(self) -> bool:
        self.tries -= 1
        return self.tries < 0

    def still_held(self) -> bool:
        return self.tries < 0


class LeaseLostAfter(LeaseFreeAfter):
    """Held from the first try; its holder's session ends after `checks` checks."""
    def __init__(self, checks: int):
        super().__init__(0)
        self.checks = checks

    def still_held(self) -> bool:
        self.checks -= 1
        return self.checks >= 0


class RelayThatRuns:
    def __init__(self, log: list):
        self.log, self.feed = log, None

    def use(self, producer) -> None:
        pass

    async def run(self) -> None:
        self.log.append(("relay runs", self.feed is not None))
        await asyncio.sleep(3600)


class Producer:
    async def get(self):
        return object()


def take_over(tries: int) -> list:
    log: list = []

    async def project(events):   # what the topic brings
        pass

    async def feed(events):      # what the relay published
        pass

    async def follow(apply, drain: asyncio.Event) -> None:
        log.append("following" if apply is project else "following, applied by the wrong hand")
        await drain.wait()
        log.append("drain asked")
        await asyncio.sleep(0.05)   # reading to the end
        log.append("drained")

    async def main() -> None:
        tasks = LeaseTasks(LeaseFreeAfter(tries), RelayThatRuns(log), Producer(), project, follow,
                           feed=feed)
        follower = asyncio.create_task(tasks.follow_until_held())
        relaying = asyncio.create_task(tasks.relay_once_held("0"))
        while not tasks.feeding.is_set():
            await asyncio.sleep(0.01)
        log.append(("feeding", tasks.relay.feed is feed, follower.done()))
        await asyncio.sleep(0.05)
        relaying.cancel()
    asyncio.run(main())
    return log


def test_a_worker_holding_the_lease_from_the_start_drains_then_relays_and_feeds():
    assert take_over(0) == ["following", "drain asked", "drained", ("relay runs", True),
                            ("feeding", True, True)]


def test_a_worker_that_loses_a_held_lease_stops_and_no_sooner():
    stopped: list = []

    async def main() -> None:
        async def follow(apply, drain: asyncio.Event) -> None:
            await drain.wait()
        tasks = LeaseTasks(LeaseLostAfter(3), RelayThatRuns([]), Producer(), follow, follow,
                           on_lost=lambda: stopped.append(True))
        tasks.lease_check = 0.01
        follower = asyncio.create_task(tasks.follow_until_held())
        relaying = asyncio.create_task(tasks.relay_once_held("0"))
        await asyncio.sleep(0.005)
        assert stopped == []   # held: checked, kept
        await asyncio.wait_for(tasks.watching, 5)
        relaying.cancel()
        follower.cancel()
    asyncio.run(main())
    assert stopped == [True]


def test_a_worker_taking_the_lease_over_later_does_the_same():
    assert take_over(2) == ["following", "drain asked", "drained", ("relay runs", True),
                            ("feeding", True, True)]


def test_once_it_relays_other_processes_wake_it_and_it_looks_on_its_own_less_often(tmp_path):
    from infra.lease_tasks import WOKEN_IDLE_WAIT
    from infra.relay_wakeup import SUPPORTED, WakeupListener, WakeupSender
    if not SUPPORTED:
        pytest.skip("Linux's abstract Unix sockets")

    class WakeableRelay(RelayThatRuns):
        def __init__(self):
            super().__init__([])
            self.wakeup, self.idle_wait = asyncio.Event(), 0.005

    async def main() -> tuple[bool, bool, float]:
        relay = WakeableRelay()
        tasks = LeaseTasks(LeaseFreeAfter(0), relay, Producer(), None, None,
                           wakeups=WakeupListener(tmp_path / "store.sqlite"))
        tasks.drained.set()
        relaying = asyncio.create_task(tasks.relay_once_held("0"))
        await asyncio.wait_for(tasks.feeding.wait(), 5)
        before = relay.wakeup.is_set()
        WakeupSender(tmp_path / "store.sqlite")()   # a step of another process recorded
        await asyncio.wait_for(relay.wakeup.wait(), 5)
        relaying.cancel()
        tasks.wakeups.close()
        return before, relay.wakeup.is_set(), relay.idle_wait
    assert asyncio.run(main()) == (False, True, WOKEN_IDLE_WAIT)
