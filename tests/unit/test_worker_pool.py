"""The worker pool with fake children: it starts none after being told to stop, and its
children get the broker and the paths the pool resolved, whatever their working directory."""
import signal
import subprocess
import sys

import infra.worker_pool as pool
from infra.settings import Settings


class FakeChild:
    started = []

    def __init__(self, args, env, cwd, **options):
        self.env, self.cwd, self.pid = env, cwd, 1000 + len(FakeChild.started)
        self.returncode, self.signals = None, []
        FakeChild.started.append(self)

    def poll(self):
        return self.returncode

    def send_signal(self, sig):
        self.signals.append(sig)
        self.returncode = 0

    def wait(self, timeout=None):
        if self.returncode is None:
            raise subprocess.TimeoutExpired("worker", timeout)

    def kill(self):
        self.returncode = -9


def run_scripted_pool(monkeypatch, tmp_path, script, step: float = 60.0,
                      result: list | None = None) -> list[FakeChild]:
    """Run a pool of two fake children; `script[n](children)` runs at its n-th poll, and
    the clock moves on `step` seconds at every poll (a minute: restart pauses are over at
    once, and no child counts as failing to start)."""
    FakeChild.started = []
    monkeypatch.setattr(pool.subprocess, "Popen", FakeChild)
    clock = [0.0]
    monkeypatch.setattr(pool.time, "monotonic", lambda: clock[0])
    polls = []

    def fake_sleep(seconds):
        clock[0] += step
        polls.append(seconds)
        script.get(len(polls), lambda children: None)(FakeChild.started)
        if len(polls) > 50:
            raise AssertionError("the pool never stopped")
    monkeypatch.setattr(pool.time, "sleep", fake_sleep)
    old = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = pool.run_pool(Settings(home=tmp_path), 2, "warning", "127.0.0.1:9")
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if result is not None:
        result.append(code)
    return FakeChild.started


def stop_pool(children) -> None:
    signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)


def die(index):
    def kill(children):
        children[index].returncode = 1
    return kill


def test_a_child_that_dies_is_started_again_and_stopped_with_the_rest(monkeypatch, tmp_path,
                                                                     capsys):
    started = run_scripted_pool(monkeypatch, tmp_path, {1: die(0), 4: stop_pool})
    assert len(started) == 3   # worker 0 again, after its pause
    assert started[2].env["GRID_DISPATCH_WORKER_INDEX"] == "0"
    assert started[1].signals == started[2].signals == [signal.SIGTERM]
    # What the benchmarks name (a run with a restart in it is not the engine's rate).
    restarts = pool.restarts_in(capsys.readouterr().err)
    assert len(restarts) == 1 and restarts[0].startswith("worker 0 exited with 1")


def test_a_child_that_cannot_start_stops_the_pool_with_an_error(monkeypatch, tmp_path, capsys):
    def worker_0_dies_at_once(children):
        latest = [c for c in children if c.env["GRID_DISPATCH_WORKER_INDEX"] == "0"][-1]
        latest.returncode = 2   # say, a policy file that does not load
    script = {n: worker_0_dies_at_once for n in range(1, 40)}
    result: list = []
    started = run_scripted_pool(monkeypatch, tmp_path, script, step=3.0, result=result)
    zeros = [c for c in started if c.env["GRID_DISPATCH_WORKER_INDEX"] == "0"]
    assert len(zeros) == pool.GIVE_UP_AFTER and result == [1]
    assert started[1].signals == [signal.SIGTERM]   # the healthy one is stopped too
    assert len(pool.restarts_in(capsys.readouterr().err)) == pool.GIVE_UP_AFTER - 1


def test_no_child_is_started_after_the_pool_was_told_to_stop(monkeypatch, tmp_path):
    # Worker 0 dies; its restart is due by the next poll, but the pool is stopped first.
    started = run_scripted_pool(monkeypatch, tmp_path, {1: die(0), 2: stop_pool})
    assert len(started) == 2
    assert started[1].signals == [signal.SIGTERM]


def test_children_use_the_store_the_parent_resolved(monkeypatch, tmp_path):
    FakeChild.started = []
    monkeypatch.setattr(pool.subprocess, "Popen", FakeChild)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRID_DISPATCH_HOME", "state")        # relative, as an operator may
    parent = Settings.from_env()
    monkeypatch.setattr(pool.time, "sleep",
                        lambda s: signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None))
    old = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        pool.run_pool(parent, 1, "warning", "127.0.0.1:9")
    finally:
        signal.signal(signal.SIGTERM, old[0]); signal.signal(signal.SIGINT, old[1])
    child = FakeChild.started[0]
    monkeypatch.undo()
    out = subprocess.run([sys.executable, "-c",
                          "from infra.settings import Settings; print(Settings.from_env().store)"],
                         env=child.env, cwd=child.cwd, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(parent.store)
    assert child.env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9"   # one broker for all


def test_a_split_pool_makes_its_first_child_outbound_and_the_others_inbound(tmp_path):
    settings = Settings(home=tmp_path, worker_role="all")
    three = [pool.child_environment(settings, "127.0.0.1:9", index, split=True, processes=3)
             for index in range(3)]
    assert [env["GRID_DISPATCH_WORKER_ROLE"] for env in three] == \
        ["outbound", "inbound", "inbound"]
    assert {env["GRID_DISPATCH_SOLE_INBOUND"] for env in three} == {"0"}   # they follow the topic
    two = pool.child_environment(settings, "127.0.0.1:9", 1, split=True, processes=2)
    assert (two["GRID_DISPATCH_WORKER_ROLE"], two["GRID_DISPATCH_SOLE_INBOUND"]) == ("inbound", "1")
    told_sole = Settings(home=tmp_path, worker_role="inbound", sole_inbound=True)
    assert pool.child_environment(told_sole, "127.0.0.1:9", 1, processes=2)[
        "GRID_DISPATCH_SOLE_INBOUND"] == "0"   # two inbound children: neither is alone
    unsplit = pool.child_environment(settings, "127.0.0.1:9", 1, processes=2)
    assert (unsplit["GRID_DISPATCH_WORKER_ROLE"], unsplit["GRID_DISPATCH_SOLE_INBOUND"]) == \
        ("all", "0")
