"""The worker's garbage-collector policy: middle and full collections freeze their survivors."""
from __future__ import annotations

import gc
import weakref

import pytest

from infra.gc_policy import FreezeSurvivors, frozen_garbage


class Node:
    def __init__(self) -> None:
        self.me = self   # a cycle: only the cyclic collector can reclaim it


@pytest.fixture
def hook():
    thresholds = gc.get_threshold()
    gc.unfreeze()
    installed = FreezeSurvivors().install()
    yield installed
    installed.remove()
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.parametrize("generation", [1, 2])
def test_a_middle_or_full_collection_freezes_what_survived_it(hook, generation):
    kept = [Node() for _ in range(100)]
    assert gc.get_freeze_count() == 0
    gc.collect(generation)
    assert hook.freezes == 1
    assert gc.get_freeze_count() >= len(kept)
    assert all(gc.is_tracked(node) for node in kept)


def test_young_collections_freeze_nothing(hook):
    Node()
    gc.collect(0)
    assert hook.freezes == 0 and gc.get_freeze_count() == 0


def test_garbage_is_collected_before_the_survivors_are_frozen(hook):
    dead = Node()
    gone = weakref.ref(dead)
    del dead
    gc.collect()
    assert gone() is None   # reclaimed by that collection, not frozen with the living


def test_installing_twice_adds_one_hook(hook):
    FreezeSurvivors().install()
    assert sum(isinstance(h, FreezeSurvivors) for h in gc.callbacks) == 1


def test_a_cycle_that_dies_once_frozen_is_what_frozen_garbage_counts(hook):
    node = Node()
    gone = weakref.ref(node)
    gc.collect()            # frozen alive
    del node
    gc.collect()            # a cycle among frozen objects: out of the collector's reach
    assert gone() is not None
    assert frozen_garbage() >= 1
    assert gone() is None
    assert hook in gc.callbacks   # the hook is back after measuring


def test_a_periodic_thaw_reclaims_what_died_frozen_and_freezes_the_rest_again(hook):
    now = [0.0]
    thawing = FreezeSurvivors(thaw_every=3600, clock=lambda: now[0])   # (the hook freezes)
    node, kept = Node(), Node()
    gone = weakref.ref(node)
    gc.collect()            # both frozen alive
    del node                # a cycle dies frozen
    now[0] = 3599.0
    assert thawing.thaw_if_due() is None and gone() is not None
    now[0] = 3600.0
    assert thawing.thaw_if_due() >= 1
    assert gone() is None and thawing.reclaimed >= 1
    assert gc.get_freeze_count() > 0 and gc.is_tracked(kept)   # the living: frozen again
    assert thawing.thaw_if_due() is None                       # not again before an hour


def test_after_a_batch_its_survivors_are_walked_once_and_frozen_and_its_garbage_is_gone(hook):
    from infra.gc_policy import collect_batch_survivors
    kept = [Node() for _ in range(1000)]
    dead = Node()
    gone = weakref.ref(dead)
    del dead
    collect_batch_survivors()
    assert gone() is None
    assert hook.freezes == 1 and gc.get_freeze_count() >= len(kept)
    assert not any(node is kept[0] for node in gc.get_objects(0) + gc.get_objects(1))


def test_batch_collections_come_at_most_every_so_often(hook):
    from infra.gc_policy import BatchSurvivorCollections
    now = [100.0]
    collections = BatchSurvivorCollections(every=0.1, clock=lambda: now[0])
    done = []
    for step in (0.0, 0.03, 0.03, 0.05, 0.2, 0.0):
        now[0] += step
        done.append(collections.after_batch())
    assert done == [True, False, False, True, True, False]
    assert hook.freezes == 3
