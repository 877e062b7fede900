"""Prometheus metrics: the worker's own counters, and the live views read at scrape time.

Label sets are bounded on purpose: department (the territory's departments and the
streets' queues), district, stage (5) and light (3); never incident ids or categories.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

from prometheus_client import CollectorRegistry, Counter as CounterMetric, Histogram
from prometheus_client.core import GaugeMetricFamily

from policies.calendar import BusinessCalendar
from policies.calendar_coverage import HORIZON_DAYS, calendar_coverage, days_left
from projections.views import Views


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.reports = CounterMetric("grid_dispatch_reports_routed_total",
                                     "Reports recorded as incidents", registry=registry)
        self.duplicates = CounterMetric("grid_dispatch_reports_duplicate_total",
                                        "Reports that repeated a known report", registry=registry)
        self.merged = CounterMetric("grid_dispatch_reports_merged_total",
                                    "New reports merged into the open incident they repeat",
                                    registry=registry)
        self.retried_batches = CounterMetric("grid_dispatch_batches_retried_total",
                                             "Inbound batches that failed and were tried again",
                                             ["step"], registry=registry)
        self.dead_letters = CounterMetric("grid_dispatch_dead_letters_total",
                                          "Messages sent to the dead-letter topic", registry=registry)
        self.batch_seconds = Histogram("grid_dispatch_route_batch_seconds",
                                       "Time to route and record one batch", registry=registry,
                                       buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
        self.commands = CounterMetric("grid_dispatch_commands_total",
                                      "Commands handled, by outcome", ["outcome"],
                                      registry=registry)
        self.duplicate_feed_failures = CounterMetric(
            "grid_dispatch_duplicate_index_feed_failures_total",
            "Stored batches the sole inbound worker's duplicate index failed to take in "
            "(it then differs from the store until the worker restarts)", registry=registry)
        self.published = CounterMetric("grid_dispatch_relay_events_published_total",
                                       "Stored events published on incidents.events",
                                       registry=registry)
        self.relay_dead_letters = CounterMetric(
            "grid_dispatch_relay_events_dead_lettered_total",
            "Stored events the relay could not publish, sent to the dead-letter topic "
            "instead (each one logged with its reason)", registry=registry)
        self.loop_stalls = CounterMetric(
            "grid_dispatch_event_loop_stalls_total",
            "Times the worker's event loop was held longer than GRID_DISPATCH_STALL_MS "
            "(each logged with the stack that held it)", registry=registry)


class ViewsCollector:
    """Reads the live views when Prometheus scrapes, so there is nothing to keep in sync."""

    def __init__(self, views: Views, clock=lambda: datetime.now(timezone.utc)):
        self.views = views
        self.clock = clock

    def collect(self):
        open_incidents = GaugeMetricFamily("grid_dispatch_open_incidents",
                                           "Open incidents by the department or queue holding them",
                                           labels=["department"])
        for holder, count in self.views.open_incidents.counts().items():
            open_incidents.add_metric([holder], count)
        yield open_incidents
        # Scrapes run in the HTTP server's thread while the event loop changes the views:
        # each dict is copied in one step (atomic under the GIL) before it is walked.
        by_district = Counter(f.district or "unknown" for f in list(self.views.facts.facts.values())
                              if f.counts and f.closed_at is None)
        open_by_district = GaugeMetricFamily("grid_dispatch_open_incidents_by_district",
                                             "Open incidents by the district they are in",
                                             labels=["district"])
        for district, count in sorted(by_district.items()):
            open_by_district.add_metric([district], count)
        yield open_by_district
        lights = GaugeMetricFamily("grid_dispatch_open_stages",
                                   "Open SLA stages by stage and traffic light",
                                   labels=["stage", "light"])
        for (stage, light), count in sorted(self.views.light_counts(self.clock()).items()):
            lights.add_metric([stage, light], count)
        yield lights
        yield GaugeMetricFamily("grid_dispatch_live_view_incidents",
                                "Incidents held in the worker's live views: the open ones and "
                                "those finished within GRID_DISPATCH_KEEP_FINISHED_HOURS",
                                value=len(self.views.facts.facts))


class CalendarCollector:
    """How long the business calendar the SLA clocks run on still lasts, and how many
    things about it deserve a look now (policies/calendar_coverage.py), at scrape time."""

    def __init__(self, calendar: BusinessCalendar, clock=lambda: datetime.now(timezone.utc)):
        self.calendar, self.clock = calendar, clock

    def collect(self):
        today = _today(self.calendar, self.clock)
        coverage = calendar_coverage(self.calendar, today)
        yield GaugeMetricFamily("grid_dispatch_calendar_days_left",
                                "Days to the business calendar's last day; past it, SLA "
                                "clocks on working time stop", value=days_left(self.calendar, today))
        yield GaugeMetricFamily("grid_dispatch_calendar_problems",
                                "Calendar errors and warnings now: the calendar ending within "
                                f"{HORIZON_DAYS} days, a projected year in use within them",
                                value=len(coverage.problems))


def calendar_problems(calendar: BusinessCalendar,
                      clock=lambda: datetime.now(timezone.utc)) -> list[str]:
    return calendar_coverage(calendar, _today(calendar, clock)).problems


def _today(calendar: BusinessCalendar, clock) -> date:
    """The date in the calendar's own time zone (a working day begins at its midnight)."""
    return clock().astimezone(calendar.time_zone).date()


def registry_for(views: Views | None) -> tuple[CollectorRegistry, WorkerMetrics]:
    """The worker's counters, and, if it has views (an inbound-only worker has none: the
    outbound one serves them), their gauges and the SLA clocks' calendar's."""
    registry = CollectorRegistry()
    if views is not None:
        registry.register(ViewsCollector(views))
        registry.register(CalendarCollector(views.sla.calendar))
    return registry, WorkerMetrics(registry)
