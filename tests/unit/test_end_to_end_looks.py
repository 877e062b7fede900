"""The end-to-end benchmark's rates by fifth, worked out from its looks at the views file,
and the choice of worker set-ups it runs."""
import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.__main__ import engine_paths
from benchmarks.end_to_end import rates_by_fifth


def test_a_steady_rate_is_the_same_in_every_fifth():
    looks = [(t / 10, t * 100) for t in range(1, 101)]   # 1,000 a second, looked at every 0.1 s
    assert rates_by_fifth(looks, 10_000) == pytest.approx([1_000] * 5)


def test_a_fifth_crossed_between_looks_is_timed_where_the_line_between_them_crosses_it():
    # 2,000 of 10,000 by 1 s, then 8,000 more by 2 s: the 1st fifth took 1 s, the others 0.25 s
    looks = [(1.0, 2_000), (2.0, 10_000)]
    assert rates_by_fifth(looks, 10_000) == pytest.approx([2_000, 8_000, 8_000, 8_000, 8_000])


def test_the_first_fifth_is_timed_from_the_start_not_from_the_first_look():
    # none seen at the start: the first 200 of 1,000 crossed at 1.6 s on the way to 500 at 4 s
    assert rates_by_fifth([(4.0, 500), (5.0, 1_000)], 1_000)[0] == pytest.approx(200 / 1.6)


@given(st.lists(st.tuples(st.floats(0.01, 5.0), st.integers(0, 400)), min_size=1, max_size=30))
def test_the_fifths_take_as_long_as_the_looks_took_to_see_them_all(steps):
    looks, seconds, seen = [], 0.0, 0
    for pause, more in steps:
        seconds, seen = seconds + pause, seen + more
        looks.append((seconds, seen))
    looks.append((seconds + 1.0, seen + 1_000))   # the last look sees every one
    count = seen + 1_000
    rates = rates_by_fifth(looks, count)
    assert len(rates) == 5
    # The last fifth is crossed at the last look, which is the first to see them all.
    assert sum(count / 5 / rate for rate in rates) == pytest.approx(looks[-1][0])


def test_the_worker_set_ups_are_named_and_a_wrong_name_is_refused_by_name():
    assert engine_paths("split") == ("split",)
    assert engine_paths("one, split") == ("one", "split")
    with pytest.raises(argparse.ArgumentTypeError, match="three"):
        engine_paths("one,three")
