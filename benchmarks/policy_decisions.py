"""Routing decisions per second: the compiled index beside a linear scan, in one run.

A synthetic city of 5,000 grids (5 districts, 50 streets, 500 communities) and 200
categories (20 groups of 10), and a policy of about 2,000 rules: city rules per group and
per category, district and street offices, community and grid exceptions, night and
source rules, dated changes. Incidents are pre-decoded `Situation`s (territory resolution
is measured elsewhere); a second figure includes `orjson.loads` of each raw report.
"""
from __future__ import annotations

import random
import time
from datetime import date, datetime, time as clock, timedelta

import orjson

from policies.compiled_rule import compile_rule
from policies.model import Effective, PolicyDocument, PolicyHeader, Rule, Scope, TimeWindow
from policies.routing_policy import LinearPolicy, RoutingPolicy
from policies.situation import Situation

GROUPS = [f"g{n:02d}" for n in range(20)]
CATEGORIES = [f"{group}.c{n}" for group in GROUPS for n in range(10)]
DISTRICTS = [f"D{n}" for n in range(5)]
STREETS = [f"S{n:02d}" for n in range(50)]          # street n lies in district n // 10
COMMUNITIES = [f"C{n:03d}" for n in range(500)]     # community n lies in street n // 10
GRIDS = [f"G{n:04d}" for n in range(5000)]          # grid n lies in community n // 10


def synthetic_rules(rng: random.Random) -> list[Rule]:
    rules: list[Rule] = []
    add = rules.append
    for group in GROUPS:
        add(Rule(id=f"city:{group}", category=group, department=f"dept-{group}"))
    for category in CATEGORIES:
        add(Rule(id=f"city:{category}", category=category, department=f"dept-{category[:3]}"))
    for district in DISTRICTS:
        for category in rng.sample(CATEGORIES, 60):
            add(Rule(id=f"{district}:{category}", category=category,
                     scope=Scope(district=district), department=f"{district}-{category[:3]}"))
    for street in STREETS:
        for category in rng.sample(CATEGORIES, 16):
            add(Rule(id=f"{street}:{category}", category=category, scope=Scope(street=street),
                     department=f"{street}-office"))
    for community in rng.sample(COMMUNITIES, 200):
        category = rng.choice(CATEGORIES)
        add(Rule(id=f"{community}:{category}", category=category,
                 scope=Scope(community=community), department=f"{community}-committee"))
    for grid in rng.sample(GRIDS, 300):
        group = rng.choice(GROUPS)
        add(Rule(id=f"{grid}:{group}", category=group, scope=Scope(grid=grid),
                 department=f"{grid}-unit"))
    for category in rng.sample(CATEGORIES, 60):
        add(Rule(id=f"night:{category}", category=category, department="police",
                 hours=TimeWindow(**{"from": clock(22), "until": clock(6)})))
    for category in rng.sample(CATEGORIES, 40):
        add(Rule(id=f"sensor:{category}", category=category, source=("sensor",),
                 department="sensor-desk"))
    for category in rng.sample(CATEGORIES, 30):
        add(Rule(id=f"until:{category}", category=category, scope=Scope(district="D0"),
                 source=("hotline",), department="old-office",
                 effective=Effective(**{"until": date(2027, 1, 1)})))
        add(Rule(id=f"from:{category}", category=category, scope=Scope(district="D0"),
                 source=("hotline",), department="new-office",
                 effective=Effective(**{"from": date(2027, 1, 1)})))
    return rules


def build(rules: list[Rule], cls=RoutingPolicy) -> RoutingPolicy:
    document = PolicyDocument(policy=PolicyHeader(name="bench", default_sla_class="std"),
                              rule=tuple(rules))
    return cls(document, [compile_rule(r, "bench", "std") for r in rules], "bench")


def incidents(rng: random.Random, count: int) -> list[dict]:
    start = datetime(2026, 12, 20)
    sources = ["grid_worker", "hotline", "app", "sensor", "video"]
    # Reports cluster: a few hundred busy grids produce most of them, as in a real city.
    busy = rng.sample(GRIDS, 400)
    return [{"category": rng.choice(CATEGORIES),
             "grid": rng.choice(busy) if rng.random() < 0.8 else rng.choice(GRIDS),
             "source": rng.choice(sources), "priority": "normal",
             "at": (start + timedelta(minutes=rng.randrange(60 * 24 * 30))).isoformat()}
            for _ in range(count)]


def situation(raw: dict) -> Situation:
    grid = int(raw["grid"][1:])
    community = grid // 10
    street = community // 10
    return Situation(category=raw["category"], source=raw["source"], priority=raw["priority"],
                     at=datetime.fromisoformat(raw["at"]), grid=raw["grid"],
                     community=COMMUNITIES[community], street=STREETS[street],
                     district=DISTRICTS[street // 10], grid_kind="comprehensive")


def rate(policy: RoutingPolicy, cases: list[Situation]) -> float:
    decide = policy.decide
    started = time.perf_counter()
    for case in cases:
        decide(case)
    return len(cases) / (time.perf_counter() - started)


def rate_with_decoding(policy: RoutingPolicy, raws: list[bytes]) -> float:
    decide, loads = policy.decide, orjson.loads
    started = time.perf_counter()
    for raw in raws:
        decide(situation(loads(raw)))
    return len(raws) / (time.perf_counter() - started)


def run(count: int = 200_000, linear_count: int = 2_000) -> None:
    rng = random.Random(42)
    rules = synthetic_rules(rng)
    fast, slow = build(rules), build(rules, LinearPolicy)
    raws = incidents(rng, count)
    cases = [situation(raw) for raw in raws]
    cold = rate(fast, cases)        # first pass: every new (category, place) builds its chain
    warm = rate(fast, cases)        # steady state: chains cached
    linear = rate(slow, cases[:linear_count])
    encoded = [orjson.dumps(raw) for raw in raws]
    decoded = rate_with_decoding(fast, encoded)
    for case in cases[:linear_count]:
        assert fast.decide(case) == slow.decide(case), case
    print(f"\nrouting decisions: {len(rules)} rules, {len(GRIDS)} grids, {len(CATEGORIES)} "
          f"categories, {count} incidents ({len(fast._chains)} distinct category×place)\n")
    print("| path | decisions/s | vs linear scan |")
    print("|---|---:|---:|")
    for name, value in [("linear scan (every rule)", linear),
                        ("compiled index, first pass (chains built)", cold),
                        ("compiled index, steady state", warm),
                        ("compiled index + orjson decode + Situation", decoded)]:
        print(f"| {name} | {value:,.0f} | {value / linear:,.1f}x |")
