"""Why a decision came out as it did: the chosen rule, and why each other candidate lost."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from dispatch.domain.routing import RoutingDecision
from policies.compiled_rule import CompiledRule, why_not
from policies.routing_policy import RoutingPolicy
from policies.situation import Situation

FACETS = ("charter", "category depth", "place level", "grid kind", "conditions", "precedence")


QUEUE_REASONS = {
    "return-limit": "returned too often, so a person dispatches it",
    "unresolved-location": "the place has no known owner, so a person dispatches it",
    "fallback": "no rule applies, so a person dispatches it",
}


@dataclass(frozen=True)
class Verdict:
    rule_id: str
    department: str | None
    verdict: str


@dataclass(frozen=True)
class Explanation:
    situation: Situation
    decision: RoutingDecision
    verdicts: list[Verdict]

    def render(self) -> str:
        d = self.decision
        target = d.department or f"manual queue {d.manual_queue}"
        lines = [f"decision: {target} (rule {d.rule_id}, policy {d.policy_version}, "
                 f"SLA class {d.sla_class})"]
        lines += [f"  {v.rule_id:<32} {v.department or '':<26} {v.verdict}" for v in self.verdicts]
        return "\n".join(lines)


def explain(policy: RoutingPolicy, situation: Situation, excluded: Collection[str] = (),
            returns: int = 0) -> Explanation:
    decision = policy.decide(situation, excluded, returns)
    winner = policy.by_id.get(decision.rule_id)
    day_kind = policy.day_kind(situation.at.date())
    verdicts = []
    for rule in policy.candidates(situation.category):
        verdicts.append(Verdict(rule.id, rule.department,
                                _verdict(rule, winner, situation, day_kind, excluded, returns,
                                         policy.return_limit)))
    if winner is None:
        verdicts.append(Verdict(decision.rule_id, None, "chosen: " + QUEUE_REASONS[decision.rule_id]))
    return Explanation(situation, decision, verdicts)


def _verdict(rule: CompiledRule, winner: CompiledRule | None, situation: Situation,
             day_kind: str, excluded: Collection[str], returns: int, limit: int) -> str:
    if rule is winner:
        return "chosen: the most specific rule that applies"
    reason = why_not(rule, situation, day_kind)
    if reason:
        return f"does not apply: {reason}"
    if rule.department in excluded:
        return f"does not apply: {rule.department} returned this incident before"
    if returns >= limit:
        return f"applies, but {returns} returns reached the limit of {limit}"
    assert winner is not None
    for facet, mine, theirs in zip(FACETS, rule.specificity, winner.specificity):
        if mine != theirs:
            return f"applies, but less specific than {winner.id} ({facet} {mine} < {theirs})"
    return f"applies, equally specific as {winner.id}; {winner.id} wins the tie by id"
