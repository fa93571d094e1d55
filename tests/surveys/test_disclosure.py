"""The k-rule: release blocks, secondary suppression and k-anonymous rows, by hand and by attack."""

from datetime import date
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.disclosure import (
    ALL,
    Block,
    add_months,
    block_index,
    blocks_within,
    k_anonymise,
    release_blocks,
    released_cells,
    smallest_group,
)

JAN = date(2025, 1, 1)


def m(n: int) -> date:
    """Month n of 2025 (1 = January)."""
    return add_months(JAN, n - 1)


# --- release blocks ----------------------------------------------------------------------------


def test_months_merge_forward_until_k_and_the_tail_waits():
    counts = {m(1): 4, m(2): 3, m(3): 5, m(4): 12, m(5): 2}
    blocks = release_blocks(counts, k=10, closed_through=m(5))
    assert blocks == [Block(m(1), m(3), 12), Block(m(4), m(4), 12)]
    lookup = block_index(blocks)
    assert lookup(m(2)) == blocks[0]
    assert lookup(m(5)) is None  # the pending tail is in no figure


def test_open_months_are_not_released_even_with_enough_responses():
    counts = {m(1): 4, m(2): 3, m(3): 5, m(4): 12}
    assert release_blocks(counts, k=10, closed_through=m(3)) == [Block(m(1), m(3), 12)]
    assert release_blocks(counts, k=10, closed_through=m(2)) == []


def test_empty_months_do_not_start_a_block():
    counts = {m(1): 0, m(2): 10, m(3): 0, m(4): 0, m(5): 11}
    assert release_blocks(counts, k=10, closed_through=m(12)) == [
        Block(m(2), m(2), 10),
        Block(m(5), m(5), 11),
    ]


def test_blocks_already_released_do_not_change_when_later_months_arrive():
    early = {m(1): 6, m(2): 6, m(3): 3}
    later = {**early, m(4): 9, m(5): 20}
    before = release_blocks(early, k=10, closed_through=m(3))
    after = release_blocks(later, k=10, closed_through=m(5))
    assert after[: len(before)] == before


def test_a_window_holds_only_whole_blocks():
    blocks = [Block(m(1), m(3), 12), Block(m(4), m(4), 12), Block(m(5), m(7), 10)]
    assert blocks_within(blocks, first=m(2), last=m(6)) == [blocks[1]]
    assert blocks_within(blocks, first=m(1), last=m(12)) == blocks


# --- secondary suppression ---------------------------------------------------------------------


def test_one_small_cell_forces_a_second_suppression():
    # c (3) is hidden; 3 < 10 would be recoverable as total - a - b, so b (the smallest shown)
    # is hidden too: the hidden remainder becomes 15.
    assert released_cells({"a": 20, "b": 12, "c": 3}, k=10) == {"a"}


def test_hidden_cells_adding_up_to_k_need_no_second_suppression():
    assert released_cells({"a": 20, "b": 15, "c": 5, "d": 6}, k=10) == {"a", "b"}


def test_no_small_cells_shows_everything():
    assert released_cells({"a": 10, "b": 11}, k=10) == {"a", "b"}


def test_all_cells_hidden_when_nothing_can_be_shown_safely():
    assert released_cells({"a": 12, "b": 4}, k=10) == set()


# --- k-anonymous open-data rows ----------------------------------------------------------------


def _rows(month, district, category, language, count):
    return [
        {"month": month, "district": district, "category": category, "language": language}
    ] * count


def test_rows_with_enough_peers_keep_their_month_and_district():
    rows = _rows(m(1), "North", "traffic", "en", 10)
    out = k_anonymise(rows, k=10, released_through=m(12))
    assert {(r["period"], r["district"]) for r in out} == {("2025-01", "North")}


def test_small_groups_are_coarsened_to_the_quarter_then_the_year():
    rows = (
        _rows(m(1), "North", "traffic", "en", 6)
        + _rows(m(2), "North", "traffic", "en", 4)  # Q1 North traffic en: 10 together
        + _rows(m(5), "North", "traffic", "en", 5)  # Q2 has only 5: goes to the year...
        + _rows(m(9), "North", "traffic", "en", 5)  # ... with Q3's 5
    )
    out = k_anonymise(rows, k=10, released_through=m(12))
    periods = sorted(r["period"] for r in out)
    assert periods == ["2025"] * 10 + ["2025-Q1"] * 10
    assert smallest_group(out) == 10


def test_district_and_then_language_are_dropped_before_rows_are_suppressed():
    rows = (
        _rows(m(1), "North", "traffic", "en", 5)
        + _rows(m(1), "South", "traffic", "en", 5)  # -> district coarsened to the agency
        + _rows(m(3), "North", "alarm", "en", 6)
        + _rows(m(3), "North", "alarm", "es", 4)  # -> language dropped
        + _rows(m(4), "East", "other", "es", 3)  # -> fails everything: suppressed
    )
    out = k_anonymise(rows, k=10, released_through=m(12))
    assert len(out) == 20
    keys = {(r["period"], r["district"], r["category"], r["language"]) for r in out}
    assert keys == {("2025-Q1", ALL, "traffic", "en"), ("2025-Q1", ALL, "alarm", ALL)}


def test_the_category_is_dropped_last_and_only_for_a_whole_year():
    rows = _rows(m(1), "N", "traffic", "en", 6) + _rows(m(7), "S", "alarm", "es", 4)
    assert k_anonymise(rows, k=10, released_through=m(11)) == []  # the year is still open
    out = k_anonymise(rows, k=10, released_through=m(12))
    assert {(r["period"], r["district"], r["category"], r["language"]) for r in out} == {
        ("2025", ALL, ALL, ALL)
    }


def test_coarse_periods_wait_until_all_their_months_are_released():
    rows = _rows(m(1), "North", "traffic", "en", 6) + _rows(m(2), "North", "traffic", "en", 4)
    assert k_anonymise(rows, k=10, released_through=m(2)) == []  # Q1 still open
    assert len(k_anonymise(rows, k=10, released_through=m(3))) == 10


def test_rows_keep_their_other_fields_and_lose_the_month():
    rows = [{**r, "answer": i} for i, r in enumerate(_rows(m(1), "N", "t", "en", 10))]
    out = k_anonymise(rows, k=10, released_through=m(1))
    assert [r["answer"] for r in out] == list(range(10))
    assert all("month" not in r for r in out)


# --- the differencing attack -------------------------------------------------------------------

K = 5  # smaller than the production 10 so that random data exercises every branch quickly
CATEGORIES = ("alarm", "traffic", "welfare")


def _in_span(vectors: list[list[int]], target: list[int]) -> bool:
    """Whether `target` is a linear combination of `vectors` (exact rational elimination)."""
    basis: list[tuple[int, list[Fraction]]] = []

    def reduce(vec: list[int]) -> list[Fraction]:
        out = [Fraction(x) for x in vec]
        for pivot, row in basis:
            if out[pivot]:
                factor = out[pivot]
                out = [a - factor * b for a, b in zip(out, row, strict=True)]
        return out

    for vec in vectors:
        reduced = reduce(vec)
        pivot = next((i for i, x in enumerate(reduced) if x), None)
        if pivot is not None:
            basis.append((pivot, [x / reduced[pivot] for x in reduced]))
    return not any(reduce(target))


def _indicator(ids, size):
    chosen = set(ids)
    return [1 if i in chosen else 0 for i in range(size)]


def _publish(responses, *, k, closed_through):
    """Every figure the pages and files publish, as sets of response ids (mirrors agencies/)."""
    counts = {}
    for month, _category in responses:
        counts[month] = counts.get(month, 0) + 1
    blocks = release_blocks(counts, k=k, closed_through=closed_through)
    lookup = block_index(blocks)
    figures = []
    cells_by_block = {}
    protected = []
    for block in blocks:
        members = _members(block, lookup, responses)
        figures.append(members)
        by_category = {}
        for i in members:
            by_category.setdefault(responses[i][1], []).append(i)
        shown = released_cells({c: len(ids) for c, ids in by_category.items()}, k=k)
        cells_by_block[block] = {c: by_category[c] for c in shown}
        figures.extend(cells_by_block[block].values())
        protected.extend(ids for c, ids in by_category.items() if c not in shown)
        month_groups = {}
        for i in members:
            month_groups.setdefault(responses[i][0], []).append(i)
        protected.extend(month_groups.values())
    # Windows of 3, 12 and 24 months ending at every month: unions of whole blocks and of their
    # released category cells.
    for length in (3, 12, 24):
        for end in range(0, 24):
            last = add_months(JAN, end)
            inside = blocks_within(blocks, first=add_months(last, -(length - 1)), last=last)
            figures.append([i for b in inside for i in _members(b, lookup, responses)])
            for category in CATEGORIES:
                figures.append([i for b in inside for i in cells_by_block[b].get(category, [])])
    released = {i for f in figures for i in f}
    protected.append([i for i in range(len(responses)) if i not in released])
    protected.extend([i] for i in range(len(responses)))
    return [f for f in figures if f], [p for p in protected if 0 < len(p) < k]


def _members(block, lookup, responses):
    return [i for i, (month, _c) in enumerate(responses) if lookup(month) == block]


responses_strategy = st.lists(
    st.tuples(st.integers(0, 11).map(lambda i: add_months(JAN, i)), st.sampled_from(CATEGORIES)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(responses=responses_strategy, cutoff=st.integers(0, 11))
def test_no_suppressed_group_can_be_recovered_by_subtraction(responses, cutoff):
    figures, protected = _publish(responses, k=K, closed_through=add_months(JAN, cutoff))
    vectors = [_indicator(f, len(responses)) for f in figures]
    for group in protected:
        assert not _in_span(vectors, _indicator(group, len(responses))), group


def test_the_attack_succeeds_against_naive_publication():
    """Negative control: monthly figures plus a rolling window without blocks leak one response."""
    # Five responses in January, one in February, five in March.
    jan, mar = list(range(5)), list(range(6, 11))
    window = list(range(11))
    vectors = [_indicator(f, 11) for f in (jan, mar, window)]
    assert _in_span(vectors, _indicator([5], 11))


def test_the_attack_succeeds_against_primary_suppression_alone():
    """Negative control: hiding only the small cell leaves it equal to total minus the rest."""
    total, shown = list(range(12)), list(range(9))
    vectors = [_indicator(f, 12) for f in (total, shown)]
    assert _in_span(vectors, _indicator([9, 10, 11], 12))
