"""Random command sequences against the incident, checked against a plain model of the loop.

The model below is written independently of the aggregate's transition table: it says,
for each command, in which states it is legal and where it leads. Every command either
does what the model says, or raises a named DomainError and changes nothing.
"""
import copy
from datetime import datetime, timezone

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dispatch.domain.errors import DomainError
from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision

AT = datetime(2026, 11, 26, 9, tzinfo=timezone.utc)
# "current" stands for whoever holds the ticket now, so that deep states are reached often.
DEPARTMENTS = st.sampled_from(["current", "current", "police", "housing", "urban", "civil"])
RARELY = st.integers(0, 4)  # terminal commands act on 0 only, or few runs get past them
TEXT = st.sampled_from(["", "  ", "a reason", "another reason", "a third"])
OPEN = {"reported", "awaiting_routing", "awaiting_manual_dispatch", "dispatched", "accepted",
        "suspended", "resolved"}


class IncidentLoop(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.incident = Incident(source="app", report_id="R", category="a.b", reported_at=AT,
                                 location={"grid_id": "G1"}, description="d", priority="normal",
                                 reporter=None, attachments=[], extra={})
        self.events = list(self.incident.collect_events())
        self.status, self.department, self.excluded, self.pending = "reported", None, set(), None
        self.rated = False

    def attempt(self, command, legal: bool, then=None):
        before = copy.deepcopy(self.incident.__dict__)
        try:
            command()
        except DomainError:
            assert not legal, "a legal command was refused"
            assert self.incident.__dict__ == before, "a refused command changed the incident"
            return
        assert legal, "an illegal command was accepted"
        self.events.extend(self.incident.collect_events())
        if then:
            then()

    def who(self, department):
        return (self.department or "police") if department == "current" else department

    def move(self, status, department="keep"):
        def apply():
            self.status = status
            if department != "keep":
                self.department = department
        return apply

    @rule()
    def locate(self):
        place = {"how": "grid_id", "grid": "G1"}
        self.attempt(lambda: self.incident.locate(place, at=AT), self.status == "reported")

    @rule(department=DEPARTMENTS, to_queue=st.booleans())
    def dispatch(self, department, to_queue):
        department = self.who(department)
        target = None if to_queue else department
        legal = self.status in {"reported", "awaiting_routing"} and target not in self.excluded
        decision = RoutingDecision("r", "v", "s", department=target,
                                   manual_queue="q" if to_queue else None)

        def then():
            self.pending = None
            self.move("awaiting_manual_dispatch" if to_queue else "dispatched", target)()
        self.attempt(lambda: self.incident.dispatch(decision, at=AT), legal, then)

    @rule(department=DEPARTMENTS)
    def accept(self, department):
        department = self.who(department)
        legal = self.status == "dispatched" and department == self.department
        self.attempt(lambda: self.incident.accept(department, at=AT), legal, self.move("accepted"))

    @rule(department=DEPARTMENTS, reason=TEXT)
    def return_(self, department, reason):
        department = self.who(department)
        legal = (self.status in {"dispatched", "accepted"} and department == self.department
                 and reason.strip() != "")

        def then():
            self.excluded.add(department)
            self.pending = None
            self.move("awaiting_routing", None)()
        self.attempt(lambda: self.incident.return_(department, reason, at=AT), legal, then)

    @rule(department=DEPARTMENTS, reason=TEXT)
    def reassign(self, department, reason):
        department = self.who(department)
        legal = (self.status in {"awaiting_routing", "awaiting_manual_dispatch", "dispatched",
                                 "accepted"} and department != self.department and reason.strip() != "")

        def then():
            self.pending = None
            self.move("dispatched", department)()
        decision = RoutingDecision("manual", "v", "s", department=department)
        self.attempt(lambda: self.incident.reassign(decision, "sup", reason, at=AT), legal, then)

    @rule(category=st.sampled_from(["a.b", "c.d", "e"]))
    def reclassify(self, category):
        legal = (self.status in {"reported", "awaiting_routing", "awaiting_manual_dispatch",
                                 "dispatched", "accepted"} and category != self.incident.category)

        def then():
            self.pending = None
            self.move("awaiting_routing", None)()
        self.attempt(lambda: self.incident.reclassify(category, "sup", at=AT), legal, then)

    @rule(department=DEPARTMENTS, hours=st.sampled_from([0, 4, 24]), reason=TEXT)
    def request_extension(self, department, hours, reason):
        department = self.who(department)
        legal = (self.status == "accepted" and department == self.department and hours > 0
                 and reason.strip() != "" and self.pending is None)

        def then():
            self.pending = hours
        self.attempt(lambda: self.incident.request_extension(department, hours, reason, at=AT),
                     legal, then)

    @rule(granted=st.booleans(), reason=TEXT)
    def decide_extension(self, granted, reason):
        legal = (self.status in {"accepted", "suspended"} and self.pending is not None
                 and (granted or reason.strip() != ""))

        def then():
            self.pending = None
        self.attempt(lambda: self.incident.decide_extension(granted, "sup", at=AT, reason=reason),
                     legal, then)

    @rule(reason=TEXT)
    def suspend(self, reason):
        legal = self.status == "accepted" and reason.strip() != ""
        self.attempt(lambda: self.incident.suspend("sup", reason, at=AT), legal, self.move("suspended"))

    @rule()
    def resume(self):
        self.attempt(lambda: self.incident.resume("sup", at=AT), self.status == "suspended",
                     self.move("accepted"))

    @rule(department=DEPARTMENTS, result=TEXT)
    def resolve(self, department, result):
        department = self.who(department)
        legal = self.status == "accepted" and department == self.department and result.strip() != ""
        self.attempt(lambda: self.incident.resolve(department, result, at=AT), legal,
                     self.move("resolved"))

    @rule(passed=st.booleans(), note=TEXT)
    def verify(self, passed, note):
        legal = self.status == "resolved" and (passed or note.strip() != "")
        self.attempt(lambda: self.incident.verify("gw", passed, note, at=AT), legal,
                     self.move("closed" if passed else "accepted"))

    @rule(rating=st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied", "meh"]))
    def rate(self, rating):
        legal = self.status == "closed" and not self.rated and rating != "meh"

        def then():
            self.rated = True
        self.attempt(lambda: self.incident.rate(rating, "reporter", at=AT), legal, then)

    @rule(reason=TEXT, dice=RARELY)
    def void(self, reason, dice):
        if dice:
            return
        legal = self.status in OPEN and reason.strip() != ""
        self.attempt(lambda: self.incident.void("sup", reason, at=AT), legal, self.move("voided"))

    @rule()
    def urge(self):
        self.attempt(lambda: self.incident.urge("sup", "hurry", at=AT), self.status in OPEN)

    @rule(dice=RARELY)
    def merge(self, dice):
        if dice:
            return
        original = Incident.create_id("app", "ORIGINAL")
        self.attempt(lambda: self.incident.merge_into(original, "route", at=AT),
                     self.status in OPEN, self.move("merged"))

    @rule(passed=st.booleans())
    def advance(self, passed):
        """The next legal step of the loop, so that random runs get deep into it."""
        free = next(d for d in ["police", "housing", "urban", "civil", "other"] if d not in self.excluded)
        steps = {
            "reported": lambda: self.dispatch(free, False),
            "awaiting_routing": lambda: self.dispatch(free, False),
            "awaiting_manual_dispatch": lambda: self.reassign(free if free != self.department else "x", "manual"),
            "dispatched": lambda: self.accept("current"),
            "accepted": lambda: self.resolve("current", "fixed"),
            "suspended": self.resume,
            "resolved": lambda: self.verify(passed, "redo"),
            "closed": lambda: self.rate("satisfied"),
        }
        if self.status in steps and not (self.status == "closed" and self.rated):
            steps[self.status]()

    @invariant()
    def agrees_with_the_model(self):
        event(f"reached {self.status}")
        assert self.incident.status.value == self.status
        assert self.incident.department == self.department
        assert self.incident.pending_extension_hours == self.pending
        assert set(self.incident.excluded_departments) == self.excluded
        assert (self.incident.rating is not None) == self.rated

    @invariant()
    def holds_its_own_invariants(self):
        incident = self.incident
        # A department holds it while it is being handled and keeps its name once closed;
        # voided and merged tickets keep whoever held them last, for the record.
        if incident.status.value in {"dispatched", "accepted", "suspended", "resolved", "closed"}:
            assert incident.department is not None
        if incident.status.value in {"reported", "awaiting_routing", "awaiting_manual_dispatch"}:
            assert incident.department is None
        if incident.status.value in OPEN:
            assert (incident.manual_queue is not None) == (incident.status.value == "awaiting_manual_dispatch")
        assert incident.version == len(self.events)
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def replaying_its_events_rebuilds_an_equal_incident(self):
        copy_ = None
        for domain_event in self.events:
            copy_ = domain_event.mutate(copy_)
        assert copy_.__dict__ == self.incident.__dict__


TestIncidentLoop = IncidentLoop.TestCase
TestIncidentLoop.settings = settings(max_examples=300, stateful_step_count=60, deadline=None)
