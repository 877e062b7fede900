from prometheus_client import generate_latest

from infra.metrics import registry_for
from projections.views import Views
from tests.unit.story import histories


def test_metrics_read_the_live_views_with_bounded_labels():
    views = Views()
    views.apply(histories(40))
    registry, metrics = registry_for(views)
    metrics.dead_letters.inc(2)
    text = generate_latest(registry).decode()
    open_lines = [l for l in text.splitlines() if l.startswith("grid_dispatch_open_incidents{")]
    assert open_lines and all(l.count("=") == 1 and 'department="' in l for l in open_lines)
    total = sum(float(l.rsplit(" ", 1)[1]) for l in open_lines)
    assert total == sum(views.open_incidents.counts().values())
    assert 'grid_dispatch_open_incidents_by_district{district="D01"}' in text
    assert "grid_dispatch_dead_letters_total 2.0" in text
    assert "grid_dispatch_live_view_incidents 40.0" in text
    assert "# TYPE grid_dispatch_route_batch_seconds histogram" in text
    stage_lines = [l for l in text.splitlines() if l.startswith("grid_dispatch_open_stages{")]
    assert stage_lines and all('light="' in l and 'stage="' in l for l in stage_lines)
