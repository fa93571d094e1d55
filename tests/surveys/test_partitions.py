"""Breakdowns of a block checked together (surveys.disclosure.partitions_released)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.disclosure import partitions_released

K = 10
FLAGS = (True, True)


def _people(rows: list[tuple[str, str]]) -> list:
    return [({"category": c, "district": d}, FLAGS) for c, d in rows]


def _determined_sets(people, shown) -> list[int]:
    """Sizes of every set an attacker can compute from the shown cells of both breakdowns:
    atoms (shown cells, hidden rest) of each breakdown, and their intersections on bridges."""
    from surveys.disclosure import HIDDEN, _bridges

    inter: dict = {}
    for keys, _flags in people:
        a = keys["category"] if keys["category"] in shown["category"] else HIDDEN
        b = keys["district"] if keys["district"] in shown["district"] else HIDDEN
        inter[(("a", a), ("b", b))] = inter.get((("a", a), ("b", b)), 0) + 1
    edges = sorted(inter, key=repr)
    return [inter[edges[i]] for i in _bridges(edges)]


def test_traffic_minus_north_would_single_out_one_person_so_a_cell_is_hidden():
    """Issue 11 (differencing across breakdowns): every North contact was a traffic stop, and
    one traffic stop was in the South. Traffic (13) minus North (12) is that one person."""
    rows = [("traffic", "north")] * 12 + [("traffic", "south")] + [("help", "south")] * 12
    people = _people(rows)
    naive = {"category": {"traffic", "help"}, "district": {"north", "south"}}
    assert 1 in _determined_sets(people, naive)  # the weakened rule: each breakdown on its own
    shown = partitions_released(people, k=K)
    assert all(n >= K for n in _determined_sets(people, shown))


def test_cells_that_overlap_on_a_cycle_stay_shown():
    rows = (
        [("traffic", "north")] * 12
        + [("traffic", "south")] * 12
        + [("help", "north")] * 12
        + [("help", "south")] * 12
    )
    shown = partitions_released(_people(rows), k=K)
    assert shown == {"category": {"traffic", "help"}, "district": {"north", "south"}}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("wxyz")), min_size=0, max_size=80)
)
def test_no_pair_of_breakdowns_determines_a_group_under_k(rows):
    people = _people(rows)
    if len(people) < K:
        return  # a release block always holds >= k
    shown = partitions_released(people, k=K)
    for name in ("category", "district"):
        sizes = {}
        for keys, _ in people:
            sizes[keys[name]] = sizes.get(keys[name], 0) + 1
        assert all(sizes[c] >= K for c in shown[name])
        hidden = sum(n for c, n in sizes.items() if c not in shown[name])
        assert hidden == 0 or hidden >= K
    assert all(n == 0 or n >= K for n in _determined_sets(people, shown))
    # And every union of atoms of one breakdown minus the other's is checked by the bridges:
    assert all(n >= K for n in _determined_sets(people, shown)), list(itertools.islice(rows, 5))
