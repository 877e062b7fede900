"""Loading errors, explain, check and backtest of routing policies."""
from datetime import datetime, timedelta, timezone

import pytest

from dispatch.domain.policy_version import PolicyVersion
from infra.store import memory_service
from policies.backtest import backtest
from policies.catalogue import Catalogue
from policies.check import check_policy
from policies.explain import explain
from policies.loader import DEMO_POLICY, PolicyError, parse_policy
from policies.situation import situation_from
from tests.city import demo_view

AT = datetime(2026, 11, 26, 10, tzinfo=timezone(timedelta(hours=8)))
HEADER = b'[policy]\nname = "t"\ndefault_sla_class = "standard"\n\n'


def situation(category: str, grid: str = "G0001", at: datetime = AT):
    return situation_from(demo_view().by_grid(grid, at), category, "hotline", "normal", at)


def rule(rule_id: str, category: str, department: str, extra: str = "") -> bytes:
    return (f'[[rule]]\nid = "{rule_id}"\ncategory = "{category}"\n'
            f'department = "{department}"\n{extra}\n').encode()


@pytest.mark.parametrize("body, expected", [
    (rule("a", "city", "urban", 'scope = { district = "D 1" }'),
     "p.toml:9: rule[0].scope.district: String should match pattern"),
    (rule("a", "city", "urban") + rule("b", "x", "y", 'source = ["pigeon"]'),
     "p.toml:14: rule[1].source[0]: Input should be"),
    (rule("a", "city", "urban", 'hours = { from = "22:00", until = "22:00" }'),
     "p.toml:9: rule[0].hours: Value error, from and until are equal"),
    (rule("a", "city", "urban") + rule("a", "town", "urban"), "rule id 'a' is used twice"),
    (b'[policy]\nname = "t"\n', "policy.default_sla_class: Field required"),
    (b"[policy\n", "p.toml: not valid TOML"),
])
def test_errors_name_file_line_field_and_value(body, expected):
    with pytest.raises(PolicyError) as caught:
        parse_policy(HEADER + body if body.startswith(b"[[") else body, source="p.toml")
    assert expected in str(caught.value)
    if "pattern" in expected:
        assert "(value: 'D 1')" in str(caught.value)


def test_equally_specific_rules_with_different_answers_are_refused_naming_both():
    body = rule("first", "city.noise", "police") + rule("second", "city.noise", "environment")
    with pytest.raises(PolicyError, match=r"p.toml:6: rule 'first' conflicts with rule 'second' \(line 11\)"):
        parse_policy(HEADER + body, source="p.toml")


def test_equal_rules_on_disjoint_conditions_or_precedence_do_not_conflict():
    night = 'hours = { from = "22:00", until = "06:00" }'
    day = 'hours = { from = "06:00", until = "22:00" }'
    parse_policy(HEADER + rule("a", "x", "p", night) + rule("b", "x", "q", day))
    parse_policy(HEADER + rule("a", "x", "p") + rule("b", "x", "q", "precedence = 1"))


def test_the_version_is_the_content_hash_and_is_recorded_once():
    first = parse_policy(HEADER + rule("a", "x", "p"))
    assert first.version == parse_policy(HEADER + rule("a", "x", "p")).version
    assert first.version != parse_policy(HEADER + rule("a", "x", "q")).version
    service = memory_service()
    assert service.record_policy_version(first.version, "t", "p.toml", "text", at=AT)
    assert not service.record_policy_version(first.version, "t", "p.toml", "text", at=AT)
    assert service.policy_text(first.version) == "text"
    assert service.existing([PolicyVersion.create_id(first.version)])


def test_explain_names_the_winner_and_why_each_other_candidate_lost():
    policy = parse_policy(DEMO_POLICY.read_bytes(), "demo")
    text = explain(policy, situation("household-registration.transfer")).render()
    assert "decision: D01-public-security (rule D01:household-registration" in text
    assert "D02:household-registration" in text and "not in district D02" in text
    assert "less specific than D01:household-registration (place level 0 < 1)" in text
    queue = explain(policy, situation("misc.unclassified")).render()
    assert "manual queue command-centre:street:ST01" in queue and "no rule applies" in queue


def test_check_finds_unknown_references_and_never_firing_rules():
    body = (rule("city:x", "city-appearance", "urban-management")
            + rule("d:x", "city-appearance", "no-such-office", 'scope = { district = "D01" }')
            + rule("s:x", "city-appearance", "ST01-office", 'scope = { street = "ST99" }')
            + rule("c:x", "not-a-category", "urban-management")
            + rule("dup", "city-appearance", "urban-management", 'scope = { district = "D02" }')
            + rule("dup2", "city-appearance", "housing",
                   'scope = { district = "D02" }\nsource = ["app"]'))
    report = check_policy(parse_policy(HEADER + body, "p.toml"), demo_view(), Catalogue.load(), AT)
    assert not report.ok
    text = "\n".join(report.errors)
    assert "department 'no-such-office' is not a department of the territory" in text
    assert "scope.street 'ST99' is not in the territory" in text
    assert "category 'not-a-category' is not in the category catalogue" in text
    assert not any("'dup'" in w for w in report.warnings)  # fires for every source but app
    coverage = "\n".join(report.coverage)
    assert "public-safety: " in coverage and "go to a manual queue somewhere" in coverage


def test_a_rule_taken_whole_by_a_more_specific_one_is_reported():
    body = (rule("broad", "city-appearance", "urban-management", 'scope = { district = "D01" }')
            + rule("narrow", "city-appearance", "housing",
                   'scope = { district = "D01" }\nprecedence = 1'))
    report = check_policy(parse_policy(HEADER + body, "p.toml"), demo_view(), Catalogue.load(), AT)
    assert any("rule 'broad' can never fire" in w and "narrow" in w for w in report.warnings)


def test_backtest_counts_what_would_move_and_the_load_before_and_after():
    current = parse_policy(DEMO_POLICY.read_bytes(), "demo")
    candidate = parse_policy(DEMO_POLICY.read_bytes().replace(
        b'department = "ST01-office"', b'department = "comprehensive-governance"'), "new")
    cases = [situation("public-safety.dispute.neighbour", grid) for grid in ("G0001", "G0002")] + \
            [situation("environment.noise")]
    report = backtest(cases, current, candidate)
    assert (report.total, report.changed) == (3, 2)
    assert report.moves[("ST01-office", "comprehensive-governance")] == 2
    assert report.load_before["ST01-office"] == 2 and report.load_after["ST01-office"] == 0
    assert "2 would go elsewhere (66.7%)" in report.render()
