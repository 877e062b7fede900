"""The SLA watcher's tick in the worker, which runs only where the store's lease is held.

A worker without the lease drops the views' record of changed clocks (the holder watches
every incident); one that takes the lease over builds its watcher then, scheduling every
open incident from its views, which are as complete as the holder's were.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.sla_watcher import SlaWatcher
from policies.escalation import EscalationPolicy
from projections.views import Views


class SlaTicks:
    def __init__(self, service: IncidentService, views: Views, policy: EscalationPolicy,
                 departments: set[str]):
        self.service, self.views = service, views
        self.policy, self.departments = policy, departments
        self.watcher: SlaWatcher | None = None

    async def tick(self, leading: bool, now: datetime) -> int:
        """Plan a part at a time, letting the loop run between parts, then record; how many
        alerts were recorded. All in the loop's thread: in another, each row written would
        wait for the GIL while holding the store's write lock, and the route step's commit
        would wait for that lock (infra/inbound_steps.py)."""
        if not leading:
            self.views.take_changed_sla()
            return 0
        if self.watcher is None:
            self.watcher = SlaWatcher(self.service, self.views, self.policy, self.departments)
        due: dict = {}
        for part in self.watcher.plan_in_parts(now):
            due.update(part)
            await asyncio.sleep(0)   # a peak's second of new incidents is 50-150 ms of work
        return self.watcher.record(due) if due else 0
