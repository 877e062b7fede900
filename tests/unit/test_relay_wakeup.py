"""Another process's steps wake the relaying worker through a datagram named after the store."""
from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from infra.relay_wakeup import SUPPORTED, WakeupListener, WakeupSender, wakeup_address

pytestmark = pytest.mark.skipif(not SUPPORTED, reason="Linux's abstract Unix sockets")


def test_each_store_has_its_own_address(tmp_path):
    assert wakeup_address(tmp_path / "a" / "store.sqlite") != wakeup_address(tmp_path / "store.sqlite")
    assert wakeup_address(tmp_path / "x" / ".." / "store.sqlite") == \
        wakeup_address(tmp_path / "store.sqlite")


def test_a_byte_from_another_process_wakes_the_listener(tmp_path):
    store = tmp_path / "store.sqlite"

    async def scenario() -> bool:
        woken = asyncio.Event()
        listener = WakeupListener(store)
        assert listener.listen(woken.set)
        try:
            code = ("import sys; from pathlib import Path; from infra.relay_wakeup import "
                    f"WakeupSender; WakeupSender(Path({str(store)!r}))()")
            await asyncio.to_thread(subprocess.run, [sys.executable, "-c", code], check=True)
            await asyncio.wait_for(woken.wait(), 5)
            return True
        finally:
            listener.close()
    assert asyncio.run(scenario())


def test_a_byte_for_another_store_does_not(tmp_path):
    async def scenario() -> bool:
        woken = asyncio.Event()
        listener = WakeupListener(tmp_path / "store.sqlite")
        assert listener.listen(woken.set)
        try:
            WakeupSender(tmp_path / "other.sqlite")()
            await asyncio.sleep(0.2)
            return woken.is_set()
        finally:
            listener.close()
    assert asyncio.run(scenario()) is False


def test_only_one_process_listens_for_a_store_and_sending_without_one_is_harmless(tmp_path):
    store = tmp_path / "store.sqlite"
    WakeupSender(store)()   # nobody listening: dropped, no error

    async def scenario() -> tuple[bool, bool]:
        first, second = WakeupListener(store), WakeupListener(store)
        try:
            return first.listen(lambda: None), second.listen(lambda: None)
        finally:
            first.close()
            second.close()
    assert asyncio.run(scenario()) == (True, False)
    # Once closed (the relaying worker gone), the next one binds it.
    assert asyncio.run(scenario()) == (True, False)
