"""`grid-dispatch worker` refuses a role it does not know, and a split it cannot make, by
name and before starting anything."""
import pytest

from infra import cli


@pytest.mark.parametrize("argv, wrong", [
    (["worker", "--split"], "worker --split: needs --processes 2 or more"),
    (["worker", "--processes", "2", "--split", "--role", "inbound"], "and no --role"),
])
def test_a_split_that_cannot_be_made_is_refused(argv, wrong, capsys):
    assert cli.main(argv) == 2
    assert wrong in capsys.readouterr().err


def test_an_unknown_role_from_the_environment_is_refused_by_name(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GRID_DISPATCH_HOME", str(tmp_path))
    monkeypatch.setenv("GRID_DISPATCH_WORKER_ROLE", "router")
    assert cli.main(["worker"]) == 2
    assert "GRID_DISPATCH_WORKER_ROLE='router'" in capsys.readouterr().err


def test_an_unknown_role_on_the_command_line_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["worker", "--role", "router"])
    assert exit_.value.code == 2
    assert "invalid choice: 'router'" in capsys.readouterr().err
