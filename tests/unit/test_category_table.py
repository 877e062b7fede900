from pathlib import Path

import pytest

from policies.category_table import CategoryTable, PolicyError

POLICY = """\
[policy]
default_sla_class = "standard"
fallback_queue = "street-command-centre"

[departments]
urban = "Urban Management"
police = "Public Security"

[[route]]
category = "city"
department = "urban"

[[route]]
category = "city.noise"
department = "police"
sla_class = "urgent"
"""


def load(tmp_path: Path, text: str = POLICY) -> CategoryTable:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return CategoryTable.load(path)


def test_the_most_specific_prefix_wins(tmp_path):
    table = load(tmp_path)
    assert table.route("city.noise.night").department == "police"
    assert table.route("city.noise.night").sla_class == "urgent"
    assert table.route("city.rubbish").department == "urban"
    assert table.route("city").rule_id == "category:city"


def test_a_prefix_only_matches_whole_segments(tmp_path):
    assert load(tmp_path).route("cityscape").manual_queue == "street-command-centre"


def test_an_uncovered_category_waits_in_the_named_queue(tmp_path):
    decision = load(tmp_path).route("water.leak")
    assert decision.department is None
    assert decision.manual_queue == "street-command-centre"
    assert decision.rule_id == "fallback"


def test_every_decision_names_the_policy_version(tmp_path):
    first = load(tmp_path)
    second = load(tmp_path, POLICY.replace('"urgent"', '"standard"'))
    assert first.version != second.version
    assert first.route("city.noise").policy_version == first.version


def test_an_unknown_department_is_named_with_file_and_line(tmp_path):
    with pytest.raises(PolicyError) as caught:
        load(tmp_path, POLICY + '\n[[route]]\ncategory = "water"\ndepartment = "water-co"\n')
    message = str(caught.value)
    assert "policy.toml:20" in message  # the department line of the third route
    assert "route.department 'water-co'" in message


def test_a_category_listed_twice_is_an_error(tmp_path):
    with pytest.raises(PolicyError, match="listed twice"):
        load(tmp_path, POLICY + '\n[[route]]\ncategory = "city"\ndepartment = "police"\n')


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(PolicyError, match="policy.toml: not valid TOML"):
        load(tmp_path, "[policy\n")


def test_the_shipped_demo_policy_loads():
    table = CategoryTable.load()
    assert table.route("public-safety.fire-hazard").department == "emergency"
    assert len(table.departments) >= 10
