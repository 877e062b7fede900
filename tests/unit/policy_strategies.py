"""Hypothesis strategies: small random policies over a small, consistent city."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import strategies as st

from policies.compiled_rule import compile_rule
from policies.model import Effective, PolicyDocument, PolicyHeader, Rule, Scope, TimeWindow
from policies.routing_policy import LinearPolicy, RoutingPolicy
from policies.situation import Situation

CATEGORIES = ["a", "a.b", "a.b.c", "a.d", "e", "e.f"]
# grid -> (community, street, district, kind, managing unit)
GRIDS = {
    "G1": ("C1", "S1", "D1", "comprehensive", None), "G2": ("C1", "S1", "D1", "exclusive", "M1"),
    "G3": ("C2", "S2", "D1", "comprehensive", None), "G4": ("C3", "S3", "D2", "comprehensive", None),
    "G5": ("C4", "S3", "D2", "exclusive", "M2"), "G6": ("C4", "S3", "D2", "comprehensive", None),
}
AREAS = {"X": {"G3", "G4"}}
DEPARTMENTS = ["d1", "d2", "d3", "d4", "M1", "M2"]
SOURCES = ["grid_worker", "hotline", "app", "sensor", "video"]
PRIORITIES = ["low", "normal", "high", "urgent"]
DAYS = [date(2026, 12, 30) + timedelta(days=n) for n in range(6)]

places = st.one_of(
    st.just(Scope()),
    st.sampled_from(["D1", "D2"]).map(lambda v: Scope(district=v)),
    st.sampled_from(["S1", "S2", "S3"]).map(lambda v: Scope(street=v)),
    st.sampled_from(["C1", "C2", "C3", "C4"]).map(lambda v: Scope(community=v)),
    st.sampled_from(list(GRIDS)).map(lambda v: Scope(grid=v)),
    st.just(Scope(area="X")),
    st.just(Scope(grid_kind="exclusive")),
)
windows = st.sampled_from([None, TimeWindow(**{"from": time(22), "until": time(6)}),
                           TimeWindow(**{"from": time(9), "until": time(17, 30)})])
effectives = st.sampled_from([Effective(), Effective(**{"from": date(2027, 1, 1)}),
                              Effective(**{"until": date(2027, 1, 1)}),
                              Effective(**{"from": date(2026, 12, 31), "until": date(2027, 1, 3)})])
optional_subset = lambda items: st.one_of(st.none(), st.lists(st.sampled_from(items), min_size=1,
                                                               max_size=2, unique=True).map(tuple))


@st.composite
def rules(draw, rule_id: str) -> Rule:
    return Rule(id=rule_id, category=draw(st.sampled_from(CATEGORIES + ["*"])), scope=draw(places),
                source=draw(optional_subset(SOURCES)), priority=draw(optional_subset(PRIORITIES)),
                hours=draw(windows), days=draw(optional_subset(["workday", "weekend"])),
                effective=draw(effectives), department=draw(st.sampled_from(DEPARTMENTS)),
                precedence=draw(st.integers(0, 2)))


@st.composite
def rule_lists(draw, max_size: int = 25) -> list[Rule]:
    count = draw(st.integers(0, max_size))
    return [draw(rules(f"r{n:03d}")) for n in range(count)]


def build(rule_list: list[Rule], cls=RoutingPolicy) -> RoutingPolicy:
    document = PolicyDocument(policy=PolicyHeader(name="t", default_sla_class="std"), rule=tuple(rule_list))
    return cls(document, [compile_rule(r, "v", "std") for r in rule_list], "v")


@st.composite
def situations(draw) -> Situation:
    grid = draw(st.sampled_from(list(GRIDS) + [None]))
    community, street, district, kind, unit = GRIDS.get(grid, (None, None, None, None, None))
    day = draw(st.sampled_from(DAYS))
    at = datetime.combine(day, time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))))
    return Situation(category=draw(st.sampled_from(CATEGORIES + ["a.b.c.z", "q"])),
                     source=draw(st.sampled_from(SOURCES)), priority=draw(st.sampled_from(PRIORITIES)),
                     at=at, grid=grid, community=community, street=street, district=district,
                     grid_kind=kind, managing_unit=unit,
                     areas=frozenset(a for a, grids in AREAS.items() if grid in grids))


__all__ = ["LinearPolicy", "build", "rule_lists", "rules", "situations", "DEPARTMENTS"]
