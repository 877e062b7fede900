"""The worker's Faust app keeps its data directory under the worker's home."""
from infra.faust_app import worker_app
from infra.settings import Settings


def test_the_data_directory_is_under_home_even_with_braces_in_the_path(tmp_path):
    home = tmp_path / "city {7}"
    app = worker_app(Settings(home=home, app_id="gd-{x}"), "127.0.0.1:9092")
    assert app.conf.datadir == home / "faust-gd-{x}"
