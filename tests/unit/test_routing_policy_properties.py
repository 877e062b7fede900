"""Properties of the routing engine, for any generated policy and incident."""
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.compiled_rule import why_not
from policies.routing_policy import LinearPolicy
from tests.unit.policy_strategies import DEPARTMENTS, build, rule_lists, rules, situations

SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(rule_lists(), st.lists(situations(), min_size=1, max_size=8),
       st.lists(st.sampled_from(DEPARTMENTS), max_size=2))
def test_the_compiled_index_and_a_linear_scan_agree(rule_list, cases, excluded):
    fast, slow = build(rule_list), build(rule_list, LinearPolicy)
    for situation in cases:
        assert fast.decide(situation, excluded) == slow.decide(situation, excluded)


@SETTINGS
@given(rule_lists(), situations())
def test_decisions_are_deterministic_and_never_empty(rule_list, situation):
    first = build(rule_list).decide(situation)
    assert first == build(list(reversed(rule_list))).decide(situation)
    assert (first.department is None) != (first.manual_queue is None)
    assert first.policy_version == "v" and first.rule_id


@SETTINGS
@given(rule_lists(), rules("zzz-new"), st.lists(situations(), min_size=1, max_size=10))
def test_a_new_rule_changes_only_the_cases_it_covers(rule_list, new_rule, cases):
    before, after = build(rule_list), build([*rule_list, new_rule])
    compiled_new = after.by_id["zzz-new"]
    for situation in cases:
        if why_not(compiled_new, situation, after.day_kind(situation.at.date())) is not None:
            assert after.decide(situation) == before.decide(situation)


@SETTINGS
@given(rule_lists(), situations())
def test_a_rule_outside_its_dates_never_fires(rule_list, situation):
    policy = build(rule_list)
    decision = policy.decide(situation)
    rule = policy.by_id.get(decision.rule_id)
    if rule is not None:
        day = situation.at.date()
        assert rule.starts is None or day >= rule.starts
        assert rule.ends is None or day < rule.ends


@SETTINGS
@given(rule_lists(), situations(), st.integers(0, 4))
def test_after_the_return_limit_the_incident_waits_in_a_manual_queue(rule_list, situation, returns):
    decision = build(rule_list).decide(situation, returns=returns)
    if situation.grid is None:
        assert decision.manual_queue and decision.rule_id == "unresolved-location"
    elif returns >= 2:
        assert decision.manual_queue and decision.rule_id == "return-limit"
