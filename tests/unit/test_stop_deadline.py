"""A worker told to stop is gone within its deadline, stuck or not (infra/stop_deadline.py).

Each case runs in a process of its own: giving up ends the process."""
import subprocess
import sys
import time

from infra.settings import PROJECT_ROOT
from infra.stop_deadline import STUCK_EXIT_CODE

STUCK = """
import logging, sys, threading
from infra.stop_deadline import StopDeadline

class LoggingProxy:   # what Faust puts in place of sys.stderr: no file descriptor
    def write(self, text): pass
    def flush(self): pass
    def fileno(self): raise NotImplementedError()

logging.basicConfig()   # (the worker's log: its handler holds the stream it was given)
sys.stderr = LoggingProxy()
deadline = StopDeadline(float(sys.argv[1]))
deadline.arm()
deadline.arm()   # (a second stop: the first deadline holds)
threading.Event().wait(60)   # a shutdown that waits for ever
"""

DONE = """
from infra.stop_deadline import StopDeadline
StopDeadline(30).arm()
print("stopped in time")
"""


def run(script: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    return done, time.monotonic() - started


def test_a_stop_that_hangs_ends_the_process_at_its_deadline_with_every_stack_logged():
    done, seconds = run(STUCK, "1.5")
    assert done.returncode == STUCK_EXIT_CODE, done.stderr
    assert 1.5 <= seconds < 15
    assert "did not stop within 1.5 s" in done.stderr
    # faulthandler's dump: the stuck main thread's frame, where it waits
    assert "Current thread" in done.stderr or "Thread 0x" in done.stderr
    assert 'File "<string>", line 15 in <module>' in done.stderr


def test_a_process_that_stops_in_time_is_not_held_by_its_deadline():
    done, seconds = run(DONE)
    assert done.returncode == 0 and done.stdout == "stopped in time\n"
    assert seconds < 15   # the armed 30 s timer does not keep it


def test_no_deadline_leaves_the_stop_to_take_its_time():
    stuck = subprocess.Popen([sys.executable, "-c", STUCK, "0"], cwd=PROJECT_ROOT,
                             stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.5)
        assert stuck.poll() is None   # GRID_DISPATCH_STOP_MS=0: still waiting
    finally:
        stuck.kill()
        stuck.wait()
