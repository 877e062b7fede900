"""A PostgreSQL store is named by one URL; a wrong one is refused naming what is wrong,
and never shows its password."""
import pytest

from infra.postgres_settings import postgres_env, shown_url


def test_a_url_gives_every_connection_setting():
    env = postgres_env("postgresql://city%40east:p%2Fw@db.example:5433/grid?schema=east&pool_size=8")
    assert {k: env[k] for k in ("POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_PORT",
                                "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_SCHEMA",
                                "POSTGRES_POOL_SIZE")} == {
        "POSTGRES_DBNAME": "grid", "POSTGRES_HOST": "db.example", "POSTGRES_PORT": "5433",
        "POSTGRES_USER": "city@east", "POSTGRES_PASSWORD": "p/w", "POSTGRES_SCHEMA": "east",
        "POSTGRES_POOL_SIZE": "8"}


def test_what_the_url_leaves_out_comes_from_the_usual_places(monkeypatch):
    monkeypatch.setenv("PGUSER", "worker")
    monkeypatch.setenv("PGPASSWORD", "from-env")
    env = postgres_env("postgres://db.example/grid")
    assert (env["POSTGRES_PORT"], env["POSTGRES_USER"], env["POSTGRES_PASSWORD"],
            env["POSTGRES_SCHEMA"], env["POSTGRES_POOL_SIZE"]) == \
        ("5432", "worker", "from-env", "", "4")


@pytest.mark.parametrize("url, wrong", [
    ("postgresql://u:secret@db.example/", "expected a host and a database"),
    ("postgresql://u:secret@/grid", "expected a host and a database"),
    ("postgresql://u:secret@db.example/grid?scheme=x", "unknown option 'scheme'"),
    ("postgresql://u:secret@db.example/grid?pool_size=0", "pool_size='0'"),
    ("postgresql://u:secret@db.example:port/grid", "the port is not a number"),
    ("sqlite:///tmp/store.sqlite", "expected postgresql://"),
])
def test_a_wrong_url_is_named_without_its_password(url, wrong):
    with pytest.raises(ValueError, match=wrong) as raised:
        postgres_env(url)
    assert "secret" not in str(raised.value)


def test_a_shown_url_hides_only_the_password():
    assert shown_url("postgresql://u:secret@h:1/d") == "postgresql://u:***@h:1/d"
    assert shown_url("postgresql://u@h/d") == "postgresql://u@h/d"
