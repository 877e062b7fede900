"""The live views' table by incident: a dict's behaviour, without a dict's long growths."""
import sys
import threading
import traceback

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.incident_table import SHARDS, IncidentTable

KEYS = st.sampled_from([f"incident-{n}" for n in range(40)])
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("set"), KEYS, st.integers()),
    st.tuples(st.just("del"), KEYS),
    st.tuples(st.just("pop"), KEYS),
    st.tuples(st.just("clear"))), max_size=200)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, st.integers()), OPERATIONS)
def test_it_answers_as_a_dict_does_whatever_is_done_to_both(start, operations):
    table, model = IncidentTable(start), dict(start)
    for operation in operations:
        kind, key = operation[0], operation[1] if len(operation) > 1 else None
        if kind == "set":
            table[key] = model[key] = operation[2]
        elif kind == "del" and key in model:
            del table[key], model[key]
        elif kind == "pop":
            assert table.pop(key, None) == model.pop(key, None)
        elif kind == "clear":
            table.clear(), model.clear()
        assert len(table) == len(model) and table == model and model == table
    assert sorted(table) == sorted(model) == sorted(table.keys())
    assert sorted(table.items()) == sorted(model.items())
    assert sorted(table.values()) == sorted(model.values())
    for key in {f"incident-{n}" for n in range(40)}:
        assert (key in table) == (key in model) and table.get(key) == model.get(key)
        if key in model:
            assert table[key] == model[key]


def test_a_missing_key_is_refused_as_by_a_dict():
    table = IncidentTable({"a": 1})
    for refused in (lambda: table["b"], lambda: table.pop("b")):
        try:
            refused()
        except KeyError as error:
            assert error.args == ("b",)
        else:
            raise AssertionError("no KeyError")
    assert dict(table) == {"a": 1} and table != {"a": 2} and table != {"a": 1, "b": 2}


def entries_moved_by_growth(shard_of, insert, count: int) -> list[int]:
    """Insert `count` keys one by one: for each, how many entries its insertion moved to a
    bigger table (a dict's size in memory changes only when it grows)."""
    moved = []
    for n in range(count):
        key = f"incident-{n:07d}"
        shard = shard_of(key)
        before = sys.getsizeof(shard)
        insert(key)
        moved.append(len(shard) - 1 if sys.getsizeof(shard) != before else 0)
    return moved


def test_its_growths_move_a_small_share_of_the_entries_and_spread_over_many_insertions():
    """A dict moves all its entries in the one insertion that fills it: 87,381 here. The
    table's shards grow one at a time, at different moments: no stretch of 1,000
    insertions (three batches' worth of new incidents) moves even a tenth of that."""
    count = 120_000
    plain: dict = {}
    moved_plain = entries_moved_by_growth(lambda key: plain,
                                          lambda key: plain.__setitem__(key, 1), count)
    table = IncidentTable()
    moved = entries_moved_by_growth(table.shard_of, lambda key: table.__setitem__(key, 1), count)
    assert max(moved_plain) >= 87_000
    assert max(moved) < 2 * count / SHARDS
    worst_stretch = max(sum(moved[start:start + 1000]) for start in range(0, count, 250))
    assert worst_stretch < max(moved_plain) / 10, worst_stretch


def test_another_thread_can_read_it_while_it_grows():
    """As the metrics server does. Copying a shard with `list(shard.items())` failed here
    (hypothesis's collection callback let the writer in halfway)."""
    table, failures, done = IncidentTable(), [], threading.Event()

    def read():
        while not done.is_set():
            try:
                sum(1 for _ in table.values()), list(table.items()), len(list(table))
            except RuntimeError:   # a dict changed while iterated
                failures.append(traceback.format_exc())
                return
    reader = threading.Thread(target=read)
    reader.start()
    for n in range(200_000):
        table[f"incident-{n}"] = n
    done.set()
    reader.join()
    assert not failures and len(table) == 200_000
