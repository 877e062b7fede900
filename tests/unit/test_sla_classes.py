"""SLA classes: the shipped limits, per-priority overrides, the fallback class, file errors."""
import pytest

from policies.calendar import default_calendar
from policies.loader import load_policy
from policies.sla_classes import (
    STAGES,
    ConfigError,
    Limit,
    default_sla_classes,
    load_sla_classes,
    parse_sla_classes,
)

CLASSES = default_sla_classes()


def test_the_shipped_file_defines_the_five_class_names_of_the_routing_policy():
    assert CLASSES.names == ["standard", "urgent", "working-day-1", "working-day-15", "working-day-3"]
    policy = load_policy()
    decided = {rule.decision.sla_class for rule in policy.rules}
    decided.add(policy.document.policy.default_sla_class)
    assert decided <= set(CLASSES.names)


def test_standard_limits_are_the_documented_ones():
    limits = {stage: CLASSES.limit("standard", "normal", stage) for stage in STAGES}
    assert limits == {"dispatch": Limit(amount=1, unit="working_hours"),
                      "accept": Limit(amount=2, unit="working_hours"),
                      "handle": Limit(amount=3, unit="working_days"),
                      "verify": Limit(amount=1, unit="working_days"),
                      "close": Limit(amount=5, unit="working_days")}


def test_urgent_runs_on_calendar_hours_and_the_others_on_working_time():
    for stage in STAGES:
        assert CLASSES.limit("urgent", "normal", stage).measure == "calendar"
        for name in ("standard", "working-day-1", "working-day-3", "working-day-15"):
            assert CLASSES.limit(name, "normal", stage).measure == "working"
    assert [CLASSES.limit("urgent", None, s).amount for s in STAGES] == [0.5, 1, 4, 2, 8]
    assert CLASSES.limit("working-day-15", "normal", "close") == Limit(amount=15, unit="working_days")


def test_close_limits_grow_from_class_to_class():
    cal = default_calendar()
    spans = [cal.span(l.amount, l.unit) for l in
             (CLASSES.limit(n, "normal", "close") for n in
              ("working-day-1", "working-day-3", "standard", "working-day-15"))]
    assert spans == sorted(spans)


def test_a_priority_table_overrides_some_stages_and_the_rest_come_from_default():
    assert CLASSES.limit("standard", "high", "dispatch") == Limit(amount=30, unit="working_minutes")
    assert CLASSES.limit("standard", "high", "handle") == CLASSES.limit("standard", "normal", "handle")
    assert CLASSES.limit("standard", "low", "close") == Limit(amount=7, unit="working_days")
    # a priority with no table of its own, or none at all, takes the default
    assert CLASSES.limit("working-day-3", "high", "accept") == CLASSES.limit("working-day-3", None, "accept")
    assert CLASSES.limit("standard", "unheard-of", "accept") == Limit(amount=2, unit="working_hours")


def test_an_unknown_class_runs_on_the_fallback_class():
    assert CLASSES.fallback_class == "standard"
    assert CLASSES.resolve("no-such-class") == "standard"
    assert CLASSES.resolve("urgent") == "urgent"
    assert CLASSES.limit("no-such-class", "normal", "close") == CLASSES.limit("standard", "normal", "close")
    with pytest.raises(ValueError, match="unknown stage"):
        CLASSES.limit("standard", "normal", "lunch")


def test_thresholds_default_to_80_and_100_percent():
    assert (CLASSES.thresholds.at_risk, CLASSES.thresholds.breached) == (0.8, 1.0)
    minimal = parse_sla_classes(MINIMAL.encode())
    assert (minimal.thresholds.at_risk, minimal.thresholds.breached) == (0.8, 1.0)


MINIMAL = """fallback_class = "standard"
[class.standard.default]
dispatch = { amount = 1, unit = "working_hours" }
accept = { amount = 2, unit = "working_hours" }
handle = { amount = 3, unit = "working_days" }
verify = { amount = 1, unit = "working_days" }
close = { amount = 5, unit = "working_days" }
"""


@pytest.mark.parametrize("change, field, message", [
    (('unit = "working_days" }\nverify', 'unit = "fortnights" }\nverify'),
     "class.standard.default.handle.unit", "'fortnights'"),
    (("amount = 3,", "amount = -3,"), "class.standard.default.handle.amount", "-3"),
    (("close = { amount = 5, unit = \"working_days\" }\n", ""), "class.standard.default.close",
     "Field required"),
    (('fallback_class = "standard"', 'fallback_class = "gold"'), "(file)", "'gold' is not one"),
    (("[class.standard.default]", ("[class.standard.critical]\nclose = { amount = 1, unit = \"working_days\" }\n"
                                   "[class.standard.default]")), "class.standard.critical", "Extra inputs"),
    (('5, unit = "working_days" }\n', '5, unit = "working_days" }\n[thresholds]\nat_risk = 1.2\n'),
     "thresholds", "at_risk (1.2) must be below breached (1.0)"),
])
def test_a_bad_file_is_refused_naming_file_line_field_and_value(tmp_path, change, field, message):
    path = tmp_path / "sla.toml"
    path.write_text(MINIMAL.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_sla_classes(path)
    text = str(error.value)
    assert f"{path}:" in text and field in text and message in text, text


def test_the_error_gives_the_line_of_the_bad_value(tmp_path):
    path = tmp_path / "sla.toml"
    path.write_text(MINIMAL.replace('amount = 2, unit = "working_hours"', 'amount = 2, unit = "hours"'))
    with pytest.raises(ConfigError, match=r"sla.toml:4: class\.standard\.default\.accept\.unit"):
        load_sla_classes(path)


def test_not_toml_is_refused_with_the_file_name():
    with pytest.raises(ConfigError, match="<x>: not valid TOML"):
        parse_sla_classes(b"[class", source="<x>")
