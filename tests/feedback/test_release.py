"""Release blocks and complementary suppression for staff figures. Pure."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from feedback.release import breakdown_members, release_cutoff, released, suppress_cells

OCT_15 = dt.date(2026, 10, 15)


def test_months_merge_forward_until_a_block_holds_k():
    counts = {dt.date(2026, 7, 1): 4, dt.date(2026, 8, 1): 7, dt.date(2026, 9, 1): 12}
    assert release_cutoff(counts, k=10, today=OCT_15) == dt.date(2026, 10, 1)
    assert release_cutoff({dt.date(2026, 7, 1): 4, dt.date(2026, 8, 1): 7}, k=10, today=OCT_15) == (
        dt.date(2026, 9, 1)
    )


def test_the_current_month_and_small_tails_are_not_released():
    counts = {dt.date(2026, 9, 1): 5, dt.date(2026, 10, 1): 40}
    assert release_cutoff(counts, k=10, today=OCT_15) is None


def test_one_more_response_never_changes_what_is_released():
    rows = [(dt.date(2026, 8, 3), i) for i in range(10)] + [(dt.date(2026, 9, 2), 99)]
    assert released(rows, k=10, today=OCT_15) == list(range(10))


def test_a_single_small_cell_takes_the_smallest_other_cell_with_it():
    assert suppress_cells({"a": 12, "b": 3, "c": 15}, k=10) == {"c"}
    # b and c hidden together still leave a remainder of 7 < k: a must go too (one k-rule with
    # the public pages, surveys.disclosure.released_cells).
    assert suppress_cells({"a": 12, "b": 3, "c": 4}, k=10) == set()
    assert suppress_cells({"a": 12, "b": 6, "c": 5}, k=10) == {"a"}
    assert suppress_cells({"a": 12, "b": 0}, k=10) == {"a"}


@given(st.dictionaries(st.text(max_size=3), st.integers(0, 40), max_size=8), st.integers(1, 15))
def test_never_exactly_one_nonempty_cell_hidden_and_shown_cells_hold_k(counts, k):
    shown = suppress_cells(counts, k=k)
    assert all(counts[key] >= k for key in shown)
    hidden = [key for key, n in counts.items() if n > 0 and key not in shown]
    assert len(hidden) != 1 or not shown


def test_a_cell_grows_only_by_blocks_where_it_holds_k():
    aug = [(dt.date(2026, 8, 2), "north", i) for i in range(12)]
    aug += [(dt.date(2026, 8, 2), "south", 100 + i) for i in range(12)]
    sep = [(dt.date(2026, 9, 2), "north", 200 + i) for i in range(3)]
    sep += [(dt.date(2026, 9, 2), "south", 300 + i) for i in range(10)]

    members = breakdown_members(aug + sep, k=10, today=OCT_15)

    # September is released (13 responses) but north has only 3 of them, so north keeps its
    # August figure; and south's September (10) is held back too, or September's total minus
    # south would reveal north's 3.
    assert sorted(members["north"]) == list(range(12))
    assert sorted(members["south"]) == list(range(100, 112))
