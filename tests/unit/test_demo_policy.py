"""The demo city's routing policy: it loads, names only what exists, and answers each hard
case of the report (enclave, pending transfer, exclusive grids, night duty, no rule, no owner)
on the demo city's territory."""
from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest

from dispatch.territory.check import check_territory
from dispatch.territory.demo_city import DATA_FILE, load_demo_city
from dispatch.territory.resolution import Resolution
from dispatch.territory.values import GridKind
from dispatch.territory.view import TerritoryView
from infra.simulated_city import CATEGORIES as SIMULATED
from policies.loader import DEMO_POLICY, load_policy
from policies.routing_policy import LinearPolicy, RoutingPolicy
from policies.situation import Situation

CATALOGUE = Path(DEMO_POLICY).parent / "categories.toml"
CITY = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 2)                      # a Monday
TRANSFER_ON = date(2027, 1, 1)                 # the research park moves from ST06 to ST07
ENCLAVE = "OV-ENCLAVE-1"
INDUSTRIAL_PARK, HOSPITAL, MARKET, RESEARCH_PARK = "G0282", "G0095", "G0125", "G0203"


@cache
def view() -> TerritoryView:
    return load_demo_city().view()


@cache
def policy() -> RoutingPolicy:
    return load_policy(DEMO_POLICY)


@cache
def catalogue() -> dict[str, dict]:
    entries = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))["category"]
    return {entry["code"]: entry for entry in entries}


def at(day: date = TODAY, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CITY)


def situation(r: Resolution, c: str, when: datetime, source: str = "hotline",
              priority: str = "normal") -> Situation:
    return Situation(category=c, source=source, priority=priority, at=when, grid=r.grid,
                     community=r.community, street=r.street,
                     district=r.responsible_district(c),
                     grid_kind=r.kind.value if r.kind else None,
                     managing_unit=r.managing_unit,
                     areas=frozenset(o.code for o in r.overlays))


def decide(location: dict | str, category: str, when: datetime | None = None, **kw):
    when = when or at()
    if isinstance(location, str):
        location = {"grid_id": location}
    resolution = view().resolve(location, when)
    return policy().decide(situation(resolution, category, when, **kw))


def department(location: dict | str, category: str, when: datetime | None = None, **kw):
    return decide(location, category, when, **kw).department


def enclave_grid() -> str:
    overlay = view().overlays[ENCLAVE]
    return min(g.code for g in view().active_grids(TODAY)
               if g.responsibility_at(TODAY).community in overlay.communities)


# -- the file and what it names ------------------------------------------------------------
def test_the_demo_policy_loads_without_conflicts():
    loaded = policy()
    assert loaded.document.policy.return_limit == 2
    assert 200 <= len(loaded.document.rules) <= 400
    assert len(loaded.document.charters) == 5
    assert load_policy(DEMO_POLICY).version == loaded.version     # content hash, stable


def test_the_catalogue_is_a_tree_of_named_codes():
    codes = catalogue()
    assert 180 <= len(codes) <= 260
    tops = [c for c in codes if "." not in c]
    assert 10 <= len(tops) <= 15
    for code, entry in codes.items():
        assert entry["name"] and entry["name_en"], code
        if "." in code:
            assert code.rsplit(".", 1)[0] in codes, f"{code} has no parent in the catalogue"


def test_every_department_and_place_named_exists_in_the_territory():
    v, document = view(), policy().document
    places = {"grid": v.grids, "area": v.overlays, "community": v.communities,
              "street": v.streets, "district": v.districts}
    for rule in document.rules:
        for code in (rule.department, *rule.co_handling):
            assert code in v.departments, f"rule {rule.id}: no department {code}"
        key, value = rule.scope.place
        if key != "city":
            assert value in places[key], f"rule {rule.id}: no {key} {value}"
    managing_units = {owner.managing_unit for grid in v.grids
                      for _, owner in v.responsibility_history(grid) if owner.managing_unit}
    for charter in document.charters:
        assert charter.managing_unit in managing_units, charter.managing_unit
        assert charter.managing_unit in v.departments, charter.managing_unit
    assert {c.managing_unit for c in document.charters} == managing_units


def test_every_category_named_is_in_the_catalogue():
    codes, document = catalogue(), policy().document
    named = [(rule.id, rule.category) for rule in document.rules]
    named += [(charter.managing_unit, c) for charter in document.charters
              for c in charter.categories]
    for where, category in named:
        assert category == "*" or category in codes, f"{where}: {category} is not a category"


def test_misc_is_left_to_a_person():
    assert not [rule.id for rule in policy().rules
                if rule.prefix == "*" or rule.prefix.split(".")[0] == "misc"]


# -- coverage ------------------------------------------------------------------------------
def test_every_simulated_category_is_catalogued_and_all_but_misc_get_a_department():
    codes = catalogue()
    for category, _weight in SIMULATED:
        assert category in codes, category
        for grid in ("G0001", "G0200", "G0400", enclave_grid(), INDUSTRIAL_PARK):
            decision = decide(grid, category)
            if category == "misc.unclassified":
                assert decision.department is None and decision.manual_queue, grid
            else:
                assert decision.department in view().departments, (grid, category, decision)


def test_every_catalogued_category_outside_misc_gets_a_department_everywhere():
    v, loaded = view(), policy()
    categories = [c for c in catalogue() if not c.startswith("misc")]
    for grid in v.active_grids(TODAY):
        resolution = v.by_grid(grid.code, TODAY)
        for category in categories:
            decision = loaded.decide(situation(resolution, category, at()))
            assert decision.department in v.departments, (grid.code, category, decision)


def test_the_index_agrees_with_a_linear_scan_on_the_demo_policy():
    fast = policy()
    slow = LinearPolicy(fast.document, fast.rules, fast.version)
    grids = ["G0001", enclave_grid(), INDUSTRIAL_PARK, HOSPITAL, MARKET, RESEARCH_PARK]
    days = [TODAY, date(2026, 11, 7), TRANSFER_ON, date(2027, 3, 1)]
    for grid in grids:
        for day in days:
            resolution = view().by_grid(grid, day)
            for category in catalogue():
                for hour, source, priority in ((3, "sensor", "urgent"), (10, "hotline", "normal"),
                                               (23, "app", "normal")):
                    s = situation(resolution, category, at(day, hour), source, priority)
                    assert fast.decide(s) == slow.decide(s), s


# -- the hard cases --------------------------------------------------------------------------
def test_the_enclave_one_place_two_districts_by_category():
    grid = enclave_grid()
    place = view().by_grid(grid, TODAY)
    assert place.district == "D01" and place.street == "ST02"
    assert place.responsible_district("household-registration.move-in") == "D02"
    assert department(grid, "household-registration.move-in") == "D02-public-security"
    assert department(grid, "public-safety.gathering") == "D01-public-security"
    assert department(grid, "public-safety.order.theft") == "D01-public-security"
    assert department(grid, "city-appearance.rubbish.exposed") == "D01-urban-management"
    # key persons: D02 manages them, D01's local station assists (the area rule)
    key_person = decide(grid, "public-safety.key-person.released-prisoner")
    assert key_person.department == "D02-public-security"
    assert key_person.rule_id == "area:OV-ENCLAVE-1:public-safety.key-person"
    assert "D01-public-security" in key_person.co_handling
    # next door, outside the enclave, D01 keeps both
    assert department("G0001", "household-registration.move-in") == "D01-public-security"
    assert department("G0001", "public-safety.key-person.released-prisoner") == \
        "D01-public-security"


def test_the_research_park_before_on_and_after_its_transfer():
    before, on, after = at(TRANSFER_ON - timedelta(days=1)), at(TRANSFER_ON), at(date(2027, 6, 1))
    place = view().by_grid(RESEARCH_PARK, before.date())
    assert (place.street, place.kind, place.managing_unit) == ("ST06", GridKind.COMPREHENSIVE, None)
    assert department(RESEARCH_PARK, "city-appearance.street-vendor", before) == "ST06-office"
    assert department(RESEARCH_PARK, "city-appearance.rubbish.exposed", before) == \
        "D02-urban-management"
    for when in (on, after):
        assert view().by_grid(RESEARCH_PARK, when).street == "ST07"
        decision = decide(RESEARCH_PARK, "city-appearance.street-vendor", when)
        assert decision.department == "meilong-research-park-committee"
        assert decision.rule_id.startswith("charter:meilong-research-park-committee")
        assert department(RESEARCH_PARK, "city-appearance.rubbish.exposed", when) == \
            "meilong-research-park-committee"
        # not in its charter: falls through to the rules of its new street
        assert department(RESEARCH_PARK, "public-safety.dispute.neighbour", when) == \
            "ST07-office"
    assert department(RESEARCH_PARK, "public-safety.dispute.neighbour", before) == "ST06-office"


def test_the_research_park_charter_is_not_read_back_before_the_transfer():
    """A grid managed by the committee before the date (a backdated filing, say) would still
    get the ordinary rules: the charter is dated too."""
    place = view().by_grid(RESEARCH_PARK, TRANSFER_ON)
    early = at(TRANSFER_ON - timedelta(days=30))
    s = situation(place, "city-appearance.street-vendor", early)
    assert policy().decide(s).department == "ST07-office"


@pytest.mark.parametrize("grid, unit, charter_category, other, other_department", [
    (INDUSTRIAL_PARK, "dongtan-industrial-park-committee", "city-appearance.rubbish.exposed",
     "market.food-safety", "market-supervision"),
    (INDUSTRIAL_PARK, "dongtan-industrial-park-committee", "public-facilities.road.pothole",
     "public-facilities.gas.leak", "fire-rescue"),
    (HOSPITAL, "huaxin-hospital-logistics-office", "traffic.illegal-parking",
     "public-safety.dispute.medical", "health"),
    (MARKET, "huaxin-market-management-office", "market.weights",
     "market.food-safety", "market-supervision"),
    ("G0218", "nanqiao-university-campus-office", "public-safety.dispute.neighbour",
     "education.enrolment", "education"),
])
def test_an_exclusive_grid_takes_its_charter_and_passes_on_the_rest(
        grid, unit, charter_category, other, other_department):
    assert view().by_grid(grid, TODAY).managing_unit == unit
    assert department(grid, charter_category) == unit
    assert department(grid, other) == other_department


def test_every_charter_category_reaches_its_managing_unit():
    """A charter names every sub-category with a rule of its own, else that rule would win."""
    v = view()
    for charter in policy().document.charters:
        day = charter.effective.start or TODAY
        grids = [g.code for g in v.active_grids(day)
                 if g.responsibility_at(day).managing_unit == charter.managing_unit]
        assert grids, charter.managing_unit
        for grid in grids:
            for category in charter.categories:
                for hour in (3, 10, 23):
                    decision = decide(grid, category, at(day, hour), source="sensor",
                                      priority="urgent")
                    assert decision.department == charter.managing_unit, (grid, category)


def test_the_hospital_charter_sets_its_own_deadline():
    assert decide(HOSPITAL, "city-appearance.rubbish.exposed").sla_class == "working-day-1"


def test_noise_at_night_goes_to_the_police():
    assert department("G0001", "environment.noise", at(hour=22, minute=30)) == \
        "D01-public-security"
    assert department("G0001", "environment.noise", at(hour=5, minute=59)) == \
        "D01-public-security"
    assert department("G0001", "environment.noise", at(hour=10)) == "D01-urban-management"
    assert department("G0001", "environment.noise", at(hour=6)) == "D01-urban-management"
    assert decide("G0001", "environment.noise", at(hour=22, minute=30)).sla_class == "urgent"


def test_shared_bikes_change_hands_on_the_handover_date():
    handover = date(2026, 12, 1)
    assert department("G0001", "traffic.shared-bikes", at(handover - timedelta(days=1))) == \
        "urban-management"
    assert department("G0001", "traffic.shared-bikes", at(handover)) == "transport"


def test_weekend_vendors_near_the_market_go_to_the_brigade():
    saturday = date(2026, 11, 7)
    street_grid = next(g.code for g in view().active_grids(TODAY)
                       if g.responsibility_at(TODAY).street == "ST04"
                       and g.responsibility_at(TODAY).kind is GridKind.COMPREHENSIVE)
    assert department(street_grid, "city-appearance.street-vendor", at()) == "ST04-office"
    weekend = decide(street_grid, "city-appearance.street-vendor", at(saturday))
    assert (weekend.department, weekend.co_handling) == ("D01-urban-management", ("ST04-office",))
    # inside the market itself its own office answers, weekend or not
    assert department(MARKET, "city-appearance.street-vendor", at(saturday)) == \
        "huaxin-market-management-office"


def test_a_category_no_rule_covers_waits_in_the_streets_queue():
    decision = decide("G0001", "misc.unclassified")
    assert decision.department is None
    assert decision.manual_queue == "command-centre:street:ST01"
    assert decide(RESEARCH_PARK, "misc.inquiry", at(TRANSFER_ON)).manual_queue == \
        "command-centre:street:ST07"


def test_a_place_with_no_owner_waits_in_a_manual_queue():
    gaps = check_territory(DATA_FILE).gaps
    assert gaps, "the demo city is meant to have one unowned cell"
    lon, lat = gaps[0].point
    place = view().resolve({"lat": lat, "lon": lon}, TODAY)
    assert not place.resolved and place.reason
    for category in ("misc.unclassified", "city-appearance.rubbish.exposed",
                     "public-safety.gathering"):
        decision = decide({"lat": lat, "lon": lon}, category)
        assert decision.department is None, (category, decision)
        assert decision.manual_queue == "city-command-centre"
    assert decide({"qr_code": "QR-GAP-001"}, "environment.noise").manual_queue == \
        "city-command-centre"
