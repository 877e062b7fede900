"""The store's lease: one holder at a time, and a holder killed with -9 lets go."""
import signal
import subprocess
import sys
import time

from infra.lease import StoreLease
from infra.settings import PROJECT_ROOT

HOLD = """
import sys, time
from infra.lease import StoreLease
assert StoreLease(sys.argv[1]).try_acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_one_holder_at_a_time_and_release_hands_it_on(tmp_path):
    first, second = StoreLease(tmp_path / "store.sqlite"), StoreLease(tmp_path / "store.sqlite")
    assert first.try_acquire() and first.held
    assert not second.try_acquire() and not second.held
    assert first.try_acquire()   # asking again while holding it keeps it
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()


def test_a_holder_killed_with_minus_9_lets_another_take_it(tmp_path):
    store = tmp_path / "store.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        lease = StoreLease(store)
        assert not lease.try_acquire()
        assert str(holder.pid) in lease.path.read_text()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        deadline = time.monotonic() + 5
        while not lease.try_acquire() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lease.held
    finally:
        holder.kill()
        holder.wait()
