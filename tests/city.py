"""The demo city and a small policy, built once per test session (loading takes ~1 s)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from dispatch.service_layer.dispatcher import Dispatcher
from dispatch.territory.demo_city import load_demo_city
from dispatch.territory.view import TerritoryView
from policies.loader import load_policy

SMALL_POLICY = Path(__file__).parent / "data" / "small_policy.toml"


@lru_cache(maxsize=1)
def demo_view() -> TerritoryView:
    return load_demo_city().view()


@lru_cache(maxsize=4)
def dispatcher(policy_path: Path = SMALL_POLICY) -> Dispatcher:
    return Dispatcher(demo_view(), load_policy(policy_path))


def stored_city_rows(folder: Path, lifecycles: int, seed: int) -> list[tuple]:
    """A simulated city's whole lifecycles (returns, suspensions, extensions, rework,
    ratings, voids, manual queues, duplicates) in a SQLite store in `folder`, routed by the
    demo policy, read back as the relay and the rebuild read them."""
    from benchmarks.city_history import write_history
    from infra.store import sqlite_service
    from infra.store_reader import rows_for
    from infra.territory_source import territory_view

    service = sqlite_service(Path(folder) / "store.sqlite")
    write_history(service, Dispatcher(territory_view(), load_policy()), lifecycles, seed=seed)
    read, rows = rows_for(service), []
    while batch := read(rows[-1][0] if rows else 0, 997):
        rows += batch
    return rows
