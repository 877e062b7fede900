"""The scorecard recomputed by a second, plain route: straight from the list of events.

No projection state machine here: each incident's events are read as one list, each
stage's time used and allowed is worked out directly with the calendar, and the figures
are counted by hand. The two routes must give the same numbers.
"""
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from policies.calendar import default_calendar
from policies.sla_classes import default_sla_classes
from projections.evaluation import scorecards
from projections.period import Period
from projections.tally import Tally
from projections.views import Views
from tests.unit.story import histories

CAL, CLASSES = default_calendar(), default_sla_classes()
DECISIONS = ("Dispatched", "QueuedForManualDispatch", "Reassigned")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def verdict(stage, sla_class, priority, start, end, pauses, extension_hours=0.0):
    """(on time, due) for a stage from start to end, pauses excluded, extensions added."""
    limit = CLASSES.limit(sla_class, priority, stage)
    measure = limit.measure
    paused = sum((CAL.elapsed(max(a, start), min(b, end), measure)
                  for a, b in pauses if b > start and a < end), timedelta())
    allowed = CAL.span(limit.amount, limit.unit) + timedelta(hours=extension_hours)
    used = CAL.elapsed(start, end, measure) - paused
    return used <= allowed, CAL.advance(start, allowed + paused, measure)


def plain(events: list[dict], period: Period) -> dict[str, Counter]:
    by_incident: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        by_incident[event["incident_id"]].append(event)
    cards: dict[str, Counter] = defaultdict(Counter)
    for evs in by_incident.values():
        kinds = [e["type"] for e in evs]
        if "Voided" in kinds or "MergedAsDuplicate" in kinds:
            continue
        reported = t(evs[0]["reported_at"])
        priority = evs[0]["priority"]
        decisions = [e for e in evs if e["type"] in DECISIONS]
        to_departments = [e for e in decisions if e["type"] != "QueuedForManualDispatch"]
        first_class = decisions[0]["sla_class"]
        holder = to_departments[-1]["department"]
        pauses, opened = [], None
        for e in evs:
            if e["type"] == "Suspended":
                opened = t(e["occurred_at"])
            elif e["type"] == "Resumed":
                pauses.append((opened, t(e["occurred_at"])))
                opened = None
        if opened:
            pauses.append((opened, opened + timedelta(days=3650)))
        extension = sum(e["hours"] for e in evs if e["type"] == "ExtensionGranted")
        closed = next((t(e["occurred_at"]) for e in evs if e["type"] == "Closed"), None)
        card = cards[holder]
        # 应结案 / 结案 / 按期结案
        if closed:
            on_time, due = verdict("close", first_class, priority, reported, closed, pauses, extension)
        else:  # still open: due after the pauses finished so far (an open pause moves it later)
            limit = CLASSES.limit(first_class, priority, "close")
            finished = pauses[:-1] if opened else pauses
            paused = sum((CAL.elapsed(a, b, limit.measure) for a, b in finished), timedelta())
            allowed = CAL.span(limit.amount, limit.unit) + timedelta(hours=extension)
            on_time, due = None, CAL.advance(reported, allowed + paused, limit.measure)
        if (due in period) or (closed in period):
            card["due"] += 1
            card["closed"] += closed is not None and closed < period.end
            card["closed_on_time"] += bool(closed is not None and closed < period.end and on_time)
        # 派遣
        first = t(to_departments[0]["occurred_at"])
        if first in period:
            ok, _ = verdict("dispatch", first_class, priority, reported, first, pauses)
            cards[to_departments[0]["department"]]["dispatch_stages"] += 1
            cards[to_departments[0]["department"]]["dispatched_on_time"] += ok
            cards[to_departments[0]["department"]]["first_dispatches"] += 1
            kept = len(to_departments) == 1 and "Returned" not in kinds and "Reassigned" not in kinds
            cards[to_departments[0]["department"]]["first_dispatch_kept"] += kept
        # 签收: from each dispatch to a department to its Accepted
        for n, e in enumerate(evs):
            if e["type"] in ("Dispatched", "Reassigned"):
                ended = evs[n + 1] if n + 1 < len(evs) else None
                if ended and ended["type"] == "Accepted" and t(ended["occurred_at"]) in period:
                    ok, _ = verdict("accept", e["sla_class"], priority, t(e["occurred_at"]),
                                    t(ended["occurred_at"]), pauses)
                    cards[e["department"]]["acceptances"] += 1
                    cards[e["department"]]["accepted_on_time"] += ok
        # 处置: from Accepted to the first Resolved after it
        accepted = next((e for e in evs if e["type"] == "Accepted"), None)
        resolved = next((e for e in evs if e["type"] == "Resolved"), None)
        if accepted and resolved and t(resolved["occurred_at"]) in period:
            ok, _ = verdict("handle", decisions[-1]["sla_class"], priority, t(accepted["occurred_at"]),
                            t(resolved["occurred_at"]), pauses, extension)
            card["handlings"] += 1
            card["handled_on_time"] += ok
        for e in evs:
            at = t(e["occurred_at"])
            if at not in period:
                continue
            if e["type"] in ("Closed", "Reopened"):
                card["verifications"] += 1
                card["failed_verifications"] += e["type"] == "Reopened"
            elif e["type"] in ("Dispatched", "Reassigned"):
                cards[e["department"]]["dispatches_received"] += 1
            elif e["type"] == "Returned":
                cards[e["department"]]["returns"] += 1
            elif e["type"] == "ReturnJudged" and not e["justified"]:
                cards[e["department"]]["unjustified_returns"] += 1
            elif e["type"] == "Rated":
                card["ratings"] += 1
                card["satisfied"] += e["rating"] in ("satisfied", "basically_satisfied")
                card["solved"] += e["resolved"]
        if closed in period:
            card["closed_in_period"] += 1
            card["extended"] += extension > 0
        if opened and not closed:
            card["suspended"] += 1
    return cards


@pytest.mark.parametrize("period", ["2026-11", "2026-W47", "2026-11-01..2026-12-31"])
def test_the_scorecard_equals_a_plain_recount_from_the_events(period):
    events = histories(160, seed=3)
    chosen = Period.parse(period)
    views = Views()
    views.apply(events)
    projected = scorecards(views.facts.facts.values(), views.stages_of, chosen, "department")
    recounted = plain(events, chosen)
    figures = [name for name, value in Tally().as_dict().items() if isinstance(value, int)]
    for department in set(projected) | set(recounted):
        tally = projected.get(department, Tally()).as_dict()
        expected = recounted.get(department, Counter())
        assert {f: tally[f] for f in figures} == {f: expected.get(f, 0) for f in figures}, department
    assert sum(t.due for t in projected.values()) > 20  # the story reaches every figure
