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
