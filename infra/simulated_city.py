"""A simulated city that publishes `IncidentReported` events, as the platform would.

Reports are deterministic for a given seed and run id, so a demo or a test knows exactly
which incidents to wait for.
"""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import orjson

from dispatch.domain.incident import incident_id_for
from infra.kafka_io import new_producer

SHANGHAI = timezone(timedelta(hours=8))
CATEGORIES = [
    ("city-appearance.rubbish.exposed", 14), ("city-appearance.advertising.illegal", 4),
    ("city-appearance.street-vendor", 6), ("public-facilities.road.pothole", 6),
    ("public-facilities.streetlight", 5), ("public-facilities.manhole-cover", 3),
    ("public-facilities.water-supply.outage", 2), ("environment.noise", 7),
    ("environment.air.burning", 2), ("building.illegal-construction", 3),
    ("building.unsafe", 1), ("public-safety.dispute.neighbour", 6),
    ("public-safety.fire-hazard", 2), ("public-safety.gathering", 1),
    ("social-affairs.elderly-care", 3), ("social-affairs.employment.wage-arrears", 2),
    ("market.food-safety", 3), ("market.unlicensed-business", 2),
    ("traffic.illegal-parking", 8), ("misc.unclassified", 1),
]
SOURCES = [("grid_worker", 45), ("hotline", 25), ("app", 15), ("sensor", 10), ("video", 5)]


def simulated_reports(count: int, run_id: str, seed: int = 7) -> Iterator[dict]:
    rng = random.Random(seed)
    categories, category_weights = zip(*CATEGORIES)
    sources, source_weights = zip(*SOURCES)
    start = datetime(2026, 11, 2, 8, 30, tzinfo=SHANGHAI)
    for number in range(count):
        grid = rng.randrange(1, 401)
        location: dict = {"grid_id": f"G{grid:04d}"}
        if rng.random() < 0.5:
            location["qr_code"] = f"QR-{grid:04d}-{rng.randrange(1, 4):03d}"  # plates 001..003
        if rng.random() < 0.3:
            location.update(lat=round(31.20 + rng.random() * 0.1, 6),
                            lon=round(121.40 + rng.random() * 0.1, 6))
        yield {
            "report_id": f"{run_id}-{number:07d}",
            "source": rng.choices(sources, source_weights)[0],
            "category": rng.choices(categories, category_weights)[0],
            "reported_at": (start + timedelta(seconds=number * 7)).isoformat(),
            "location": location,
            "description": "simulated report",
            "priority": "urgent" if rng.random() < 0.05 else "normal",
        }


def expected_incident_ids(reports: list[dict]) -> set[str]:
    return {str(incident_id_for(r["source"], r["report_id"])) for r in reports}


async def publish_reports(bootstrap: str, topic: str, reports: list[dict], *,
                          rate: float = 0.0, live: bool = False,
                          progress: Callable[[int], None] | None = None) -> float:
    """Publish the reports keyed by report_id; return the seconds it took. `live` stamps
    each report with the time it is sent, as a platform reporting as it happens would
    (the engine decides at processing time, so old report times would look late)."""
    producer = new_producer(bootstrap)
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for number, report in enumerate(reports, 1):
            if rate > 0:
                ahead = number / rate - (time.perf_counter() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            if live:
                report["reported_at"] = datetime.now(SHANGHAI).isoformat(timespec="milliseconds")
            pending.append(await producer.send(topic, orjson.dumps(report),
                                               key=report["report_id"].encode()))
            if len(pending) >= 1000:
                await asyncio.gather(*pending)
                if progress:
                    progress(len(pending))
                pending = []
        await asyncio.gather(*pending)
        if progress and pending:
            progress(len(pending))
    finally:
        await producer.stop()
    return time.perf_counter() - started
