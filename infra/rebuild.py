"""Rebuild every view from the event store alone (no Kafka), with a progress bar."""
from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from datetime import timedelta

from tqdm import tqdm

from dispatch.service_layer.incident_service import IncidentService
from infra.relay_records import published_events
from infra.settings import Settings
from infra.store import open_store, store_identity
from infra.store_reader import ReadRows, rows_for
from infra.view_store import OpenIncidentsStore
from policies.duplicates import DuplicateRules
from projections.duplicate_candidates import DuplicateCandidates
from projections.native_replay import NativeFold, unavailable_because
from projections.open_incidents import IncidentRow
from projections.views import Views

log = logging.getLogger("grid_dispatch.rebuild")


def replay(service: IncidentService, views: Views | DuplicateCandidates, batch_size: int = 5000,
           progress: Callable[[int], None] | None = None, read: ReadRows | None = None,
           on_release: Callable[[dict[str, IncidentRow]], None] | None = None,
           native: bool = True) -> int:
    """Feed every stored incident event, in the store's order, into `views` (every view,
    or the duplicate index alone). Views that let finished incidents go hand their last
    rows to `on_release` as they do. Fresh views are replayed natively where they can be
    (projections/native_replay.py), else, or with `native=False`, in Python."""
    read = read or rows_for(service)
    if native and isinstance(views, Views) and _fresh(views):
        reason = unavailable_because(views)
        if reason is None:
            count = _replay_natively(views, read, batch_size, progress, on_release)
            if count is not None:
                return count
        else:
            log.info("views replayed in Python: %s", reason)
    position, count = 0, 0
    # A replay allocates millions of small, acyclic objects: the cyclic collector would
    # rescan the growing views again and again (about 40% of the time) for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while rows := read(position, batch_size):
            events, refused = published_events(rows)
            for row, reason in refused:   # as the relay, which dead-lettered them
                log.error("stored event %s v%s (row %s) cannot be read, left out: %s",
                          row[1], row[2], row[0], reason)
            views.apply(events)
            if isinstance(views, Views) and views.finished is not None:
                # Views that let finished incidents go do so as the replay passes them, so
                # a worker starting holds no more than while running. The rows' change
                # marks mean nothing here: the caller saves the whole view.
                views.take_changed_open()
                released = views.release_finished()
                if on_release is not None and released:
                    on_release(released)
            position = rows[-1][0]
            count += len(rows)
            if progress:
                progress(len(rows))
    finally:
        if collecting:
            gc.enable()
    return count


def _fresh(views: Views) -> bool:
    return not (views.open_incidents.rows or views.facts.facts or views.sla.incidents
                or (views.duplicates is not None and views.duplicates.incidents))


def _replay_natively(views: Views, read: ReadRows, batch_size: int,
                     progress: Callable[[int], None] | None,
                     on_release: Callable[[dict[str, IncidentRow]], None] | None) -> int | None:
    """The count of rows replayed, or None if a row was refused (then nothing is handed
    over, and the progress shown is taken back for the replay in Python; rows released
    already are released again by it, and saving a row twice changes nothing)."""
    fold, position, count = NativeFold(views), 0, 0
    # The rows read make the cyclic collector run every few batches, for nothing: a fifth
    # of the replay's time (benchmarks/JOURNAL.md, session 16).
    collecting = gc.isenabled()
    gc.disable()
    try:
        while rows := read(position, batch_size):
            fold.apply_rows(rows)
            if views.finished is not None:   # as the replay in Python lets them go, below
                released = fold.release_finished()
                if on_release is not None and released:
                    on_release(released)
            position, count = rows[-1][0], count + len(rows)
            if progress:
                progress(len(rows))
    except ValueError as refused:
        log.warning("the native replay gave way to Python's: %s", refused)
        if progress and count:
            progress(-count)
        return None
    finally:
        if collecting:
            gc.enable()
    fold.hand_over(views)
    return count


def views_from_store(service: IncidentService, show_progress: bool = True,
                     duplicate_rules: DuplicateRules | None = None,
                     keep_finished: timedelta | None = None,
                     on_release: Callable[[dict[str, IncidentRow]], None] | None = None,
                     index_duplicates: bool = True) -> Views:
    views = Views(duplicates=DuplicateCandidates(duplicate_rules) if index_duplicates else None,
                  keep_finished=keep_finished, index_duplicates=index_duplicates)
    total = service.recorder.max_notification_id() or 0
    with tqdm(total=total, desc="replaying events", unit="event", disable=not show_progress,
              leave=False) as bar:
        replay(service, views, progress=bar.update, on_release=on_release)
    return views


def duplicates_from_store(service: IncidentService,
                          rules: DuplicateRules | None = None) -> DuplicateCandidates:
    """The duplicate index alone, replayed from the store: what a worker that only routes
    needs of the views (its route step asks it for the originals of repeated reports).
    Natively where it can be: the fold does every view's work, in less time than decoding
    the events for the index alone in Python, and the other views' objects are never made."""
    views = Views(duplicates=DuplicateCandidates(rules))
    if unavailable_because(views) is None:
        if _replay_natively(views, rows_for(service), 5000, None, None) is not None:
            return views.duplicates
    duplicates = DuplicateCandidates(rules)
    replay(service, duplicates)
    return duplicates


def rebuild_views(settings: Settings) -> tuple[Views, int]:
    service = open_store(settings)
    views = Views(duplicates=DuplicateCandidates(DuplicateRules.load(settings.duplicates_path)))
    total = service.recorder.max_notification_id() or 0
    with tqdm(total=total, desc="replaying events", unit="event") as bar:
        count = replay(service, views, progress=bar.update)
    OpenIncidentsStore(settings.views).replace(views.open_incidents, store_identity(service))
    views.take_changed_open()
    return views, count
