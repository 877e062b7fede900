"""How a worker process uses CPython's cyclic garbage collector.

A worker keeps its live views in memory: hundreds of thousands of small objects (rows,
SLA clocks), none of them garbage and none in a cycle. The collector walks an object in every
collection of its generation or a younger one, so with CPython's defaults (700, 10, 10)
the growing views are walked again and again: measured on the end-to-end benchmark, a
quarter of the worker's CPU (786 against 616 µs an incident). So:

- what start-up built (territory, policy index, views from the store) is frozen out of
  the collections (`gc.freeze`);
- after each middle or full collection its survivors are frozen too (`FreezeSurvivors`):
  an object is walked by the young and the middle collections it lives through, then
  never again. The old generation stays empty, so no pause grows with the days a worker
  has run (without this, the first full collection walks every object the views gained
  since start, for seconds once they hold a few hundred thousand incidents);
- the young generation is collected every 10,000 allocations, the middle one every 10
  young collections;
- and, in a worker, young and middle generations are collected after an inbound batch
  (in an outbound-only worker, after a batch applied to its views), at most ten times a
  second (`BatchSurvivorCollections`): the batches' survivors are walked once, then frozen.
  Left to the thresholds, an outbound worker's collections paused it 40-90 ms several
  times a minute (2,000 reports/s).

Why the last: CPython counts allocations *minus deallocations* towards the young
threshold. In a steady worker each new incident kept (recent incidents, the duplicate
index, the views) replaces one it lets go of, so the count hardly moves while the young
generation fills: measured in the route step (60,000 reports in batches of 90), young
collections found 60,000-80,000 objects (20-45 ms) and middle ones 200,000-310,000
(180-350 ms). Collected after each batch instead: pauses of at most 1-5 ms, and the
collector's share of the route step down from about 6% to 1.5% (benchmarks/gc_pauses.py).
Freezing after every batch (667 freezes for 60,000 reports instead of 6) left no cycle
dead among the frozen there; in a worker, whatever is in a cycle in flight at that moment
(a future, an exception and its traceback) waits for the daily thaw.

benchmarks/gc_pauses.py measures it (views fed 60,000 incidents): the former thresholds
(50,000, 20, 100) without freezing paused up to 250 ms in a middle collection and 265 ms
in a full one; these pause up to 28 ms, and a full collection finds nothing to walk.
(25,000, 20, 100) paused up to 149 ms. The price in the route step, whose batch in flight
is young and walked more often by smaller thresholds: the collector takes about 6% of it
against 3-4% before (20,000 reports, timed with `gc.callbacks`).

The price of freezing: an object alive at a middle collection that later dies *inside a
reference cycle* is never reclaimed (reference counting still frees everything acyclic,
which is what the views and the incidents hold). `frozen_garbage` counts such objects: 0
in the benchmark, 14 after the route step stored 20,000 reports (5 freezes; measured
before the collection after each batch, and the same 14 found at start-up). So that it
cannot pile up, a worker thaws and collects everything once a day (`thaw_if_due`), and
logs what that reclaimed and how long it paused.
"""
from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

THRESHOLDS = (10_000, 10, 100)  # young, middle (in young ones), full (in middle ones)
# The leak is small (see above) and a whole collection pauses the worker for as long as
# CPython's default one would: once a day is enough.
THAW_EVERY = 24 * 3600.0


class FreezeSurvivors:
    """A `gc.callbacks` hook: after every middle or full collection, freeze what survived it.
    `thaw_if_due`, called from a worker's timer, reclaims what died frozen once a day."""

    def __init__(self, thaw_every: float = THAW_EVERY, clock=time.monotonic) -> None:
        self.freezes = 0
        self.thaw_every, self.clock = thaw_every, clock
        self.last_thaw = clock()
        self.reclaimed = 0   # objects found dead in cycles among the frozen, all thaws

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        # At "stop" of a middle or full collection the young generations have just been
        # collected, and the old one holds only what this collection promoted (the last
        # one froze the rest): all of it reachable now.
        if phase == "stop" and info["generation"] >= 1:
            gc.freeze()
            self.freezes += 1

    def thaw_if_due(self) -> int | None:
        """Every `thaw_every` seconds: thaw everything, collect it whole (cycles that died
        frozen are reclaimed), and freeze the survivors again. One full pause a day, over a
        heap that letting finished incidents go keeps bounded (620 ms for views of 60,000
        incidents in benchmarks/gc_pauses.py). How many objects it reclaimed; None when not
        due. Never from inside a collection (it would not run)."""
        now = self.clock()
        if now - self.last_thaw < self.thaw_every:
            return None
        self.last_thaw = now
        found = frozen_garbage()
        gc.freeze()
        self.freezes += 1
        self.reclaimed += found
        return found

    def install(self) -> "FreezeSurvivors":
        if not any(isinstance(hook, FreezeSurvivors) for hook in gc.callbacks):
            gc.callbacks.append(self)
        return self

    def remove(self) -> None:
        gc.callbacks[:] = [hook for hook in gc.callbacks if hook is not self]


def collect_batch_survivors() -> None:
    """Collect the young and middle generations now: after a batch, when what it made
    and kept is all there is to walk (see the module's docstring). The freezing hook then
    freezes it."""
    gc.collect(1)


class BatchSurvivorCollections:
    """`collect_batch_survivors` after a batch, at most every `every` seconds. Once the
    steps ran in the event loop's thread, batches came smaller and more often (no longer
    stretched by waits for the GIL), and a collection after each, walking what each batch
    still had in flight (records being published, buffers), took about 6% of the worker's
    time (py-spy, 2,000 reports/s); at most ten a second, 4.6%. What survives 100 ms is
    walked once, and a pause stays at a few milliseconds (at most 5 ms in the route step
    alone, benchmarks/gc_route_pauses.py, where it costs 2.5% against 1.5% after each
    batch: nothing else is in flight there)."""

    def __init__(self, every: float = 0.1, clock: Callable[[], float] = time.monotonic):
        self.every, self.clock = every, clock
        self._last = float("-inf")

    def after_batch(self) -> bool:
        """Collect if the last collection is `every` seconds old; whether it did."""
        now = self.clock()
        if now - self._last < self.every:
            return False
        self._last = now
        collect_batch_survivors()
        return True


def spare_the_garbage_collector() -> FreezeSurvivors:
    """Call once start-up has built everything it keeps (see the module's docstring)."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return FreezeSurvivors().install()


def frozen_garbage() -> int:
    """How many frozen objects are unreachable cycles. Everything is thawed and collected
    (a full pause over the whole heap: for measurements, not for a running worker)."""
    hooks = [hook for hook in gc.callbacks if isinstance(hook, FreezeSurvivors)]
    for hook in hooks:
        hook.remove()
    try:
        gc.collect()          # the garbage outside the frozen objects first
        gc.unfreeze()
        return gc.collect()
    finally:
        for hook in hooks:
            hook.install()
