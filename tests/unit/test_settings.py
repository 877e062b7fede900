"""Settings travel to worker processes as environment variables and come back the same."""
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from infra.settings import Settings
from infra.topic_names import Topics


def test_the_environment_of_settings_reads_back_as_the_same_settings(tmp_path):
    settings = Settings(home=tmp_path, bootstrap_servers="127.0.0.1:9092",
                        store_path=tmp_path / "s.sqlite", views_path=tmp_path / "v.sqlite",
                        policy_path=tmp_path / "p.toml", territory_path=tmp_path / "t",
                        duplicates_path=tmp_path / "d.toml", app_id="city-7",
                        topics=Topics("t7."), batch_size=250, metrics_port=9100,
                        store_sync="full", store_checkpoints="commit", store_cache_mib=16,
                        worker_index=2,
                        worker_role="inbound", sole_inbound=True, recent_incidents=500,
                        keep_finished_hours=1.5, views_save_ms=250, stall_ms=750,
                        fetch_wait_ms=10, stop_ms=4000, broker_wait_ms=2500)
    back = Settings.from_env(settings.environment("127.0.0.1:9092"))
    assert back == settings
    on_postgres = replace(settings, store_url="postgresql://city:secret@db.example:5433/grid")
    assert Settings.from_env(on_postgres.environment("127.0.0.1:9092")) == on_postgres


def test_unset_variables_give_the_defaults():
    settings = Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x"})
    assert (settings.home, settings.store, settings.recent_incidents, settings.store_sync,
            settings.store_checkpoints) == \
        (Path("/tmp/x"), Path("/tmp/x/store.sqlite"), 100_000, "normal", "background")
    assert settings.keep_finished == timedelta(hours=24)
    assert settings.role == "all"
    assert settings.views_save_ms == 100 and settings.stall_ms == 500
    assert settings.fetch_wait_ms == 0
    assert settings.store_cache_mib == 64
    assert settings.store_url is None and settings.store_name == "/tmp/x/store.sqlite"


def test_a_store_url_names_the_store_without_its_password():
    settings = Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x", "GRID_DISPATCH_STORE_URL":
                                  "postgresql://city:secret@db.example:5433/grid?schema=east"})
    assert settings.store_name == "postgresql://city@db.example:5433/grid?schema=east"


def test_a_store_url_other_than_postgresql_is_named_without_its_password():
    with pytest.raises(ValueError, match=r"GRID_DISPATCH_STORE_URL='db.example/grid': "
                                         "expected a postgresql:// URL") as raised:
        Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x",
                           "GRID_DISPATCH_STORE_URL": "mysql://city:secret@db.example/grid"})
    assert "secret" not in str(raised.value)


def test_an_unknown_worker_role_is_named():
    settings = Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x",
                                  "GRID_DISPATCH_WORKER_ROLE": "router"})
    with pytest.raises(ValueError, match="GRID_DISPATCH_WORKER_ROLE='router': expected one of "
                                         "all, inbound, outbound"):
        settings.role


@pytest.mark.parametrize("text, wrong", [("-1", "expected hours from 0"),
                                         ("nan", "expected hours from 0"),
                                         ("a day", "expected a number of hours")])
def test_a_wrong_time_to_keep_finished_incidents_is_named(text, wrong):
    with pytest.raises(ValueError, match=f"GRID_DISPATCH_KEEP_FINISHED_HOURS=.*{wrong}"):
        Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x",
                           "GRID_DISPATCH_KEEP_FINISHED_HOURS": text}).keep_finished


def test_a_sole_inbound_flag_other_than_0_or_1_is_named():
    with pytest.raises(ValueError, match="GRID_DISPATCH_SOLE_INBOUND='yes': expected 0 or 1"):
        Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x", "GRID_DISPATCH_SOLE_INBOUND": "yes"})


@pytest.mark.parametrize("name", ["GRID_DISPATCH_VIEWS_SAVE_MS", "GRID_DISPATCH_STALL_MS",
                                  "GRID_DISPATCH_FETCH_WAIT_MS", "GRID_DISPATCH_STOP_MS",
                                  "GRID_DISPATCH_BROKER_WAIT_MS"])
@pytest.mark.parametrize("text", ["-5", "0.1", "soon", ""])
def test_a_wrong_number_of_milliseconds_is_named(name, text):
    with pytest.raises(ValueError, match=f"{name}={text!r}: expected a "
                                         "whole number of milliseconds"):
        Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x", name: text})


@pytest.mark.parametrize("name", ["GRID_DISPATCH_BATCH_SIZE", "GRID_DISPATCH_METRICS_PORT",
                                  "GRID_DISPATCH_WORKER_INDEX",
                                  "GRID_DISPATCH_RECENT_INCIDENTS"])
def test_a_count_that_is_not_a_whole_number_is_named(name):
    with pytest.raises(ValueError, match=f"{name}='many': expected a whole number"):
        Settings.from_env({"GRID_DISPATCH_HOME": "/tmp/x", name: "many"})
