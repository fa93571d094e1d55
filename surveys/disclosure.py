"""The k-rule of PRIVACY.md as pure functions: release blocks, secondary suppression, k-anonymity.

Every public figure is a sum of *cells*: a cell is one release block (agency x run of calendar
months merged forward until it holds >= k responses), or one breakdown cell inside a block. Cells
are fixed once their months are closed, and a window figure is only ever a union of whole released
cells, so the difference of any two published figures is again a union of released cells (each
>= k) and never isolates fewer than k responses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)


# --- Months ----------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def quarter_of(month: date) -> tuple[int, int]:
    return month.year, (month.month - 1) // 3 + 1


def quarter_end(month: date) -> date:
    year, quarter = quarter_of(month)
    return date(year, quarter * 3, 1)


# --- Release blocks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A run of calendar months [start, end] (first days) released together; n responses."""

    start: date
    end: date
    n: int

    def __contains__(self, month: object) -> bool:
        return isinstance(month, date) and self.start <= month <= self.end


def release_blocks(
    month_counts: Mapping[date, int], *, k: int, closed_through: date
) -> list[Block]:
    """Merge months forward, oldest first, into blocks of >= k responses.

    Only months up to `closed_through` (a month whose data can no longer change) are considered,
    so a block never grows after release. Months after the last block form the pending tail: they
    are in no block and in no figure until enough responses arrive.
    """
    blocks: list[Block] = []
    start: date | None = None
    running = 0
    for month in sorted(m for m, c in month_counts.items() if c > 0 and m <= closed_through):
        if start is None:
            start = month
        running += month_counts[month]
        if running >= k:
            blocks.append(Block(start, month, running))
            start, running = None, 0
    return blocks


def block_index(blocks: Sequence[Block]) -> Callable[[date], Block | None]:
    """Return a lookup month -> released block containing it (or None)."""
    by_month: dict[date, Block] = {}
    for block in blocks:
        month = block.start
        while month <= block.end:
            by_month[month] = block
            month = add_months(month, 1)
    return by_month.get


def blocks_within(blocks: Iterable[Block], *, first: date, last: date) -> list[Block]:
    """The blocks lying wholly inside [first, last]: a window is a union of whole blocks."""
    return [b for b in blocks if b.start >= first and b.end <= last]


# --- Breakdowns inside a block ---------------------------------------------------------------


def released_cells(cells: Mapping[K, int], *, k: int) -> set[K]:
    """Keys of a breakdown that may be shown when the breakdown's total is shown.

    Primary suppression hides cells under k. Secondary suppression then hides the smallest shown
    cells until the hidden remainder (total minus shown cells) is either empty or at least k, so
    it cannot be recovered by subtraction.
    """
    released = {key for key, n in cells.items() if n >= k}
    hidden = sum(n for key, n in cells.items() if key not in released)
    while 0 < hidden < k and released:
        smallest = min(released, key=lambda key: (cells[key], repr(key)))
        released.remove(smallest)
        hidden += cells[smallest]
    return released


# --- k-anonymous open-data rows --------------------------------------------------------------

QUASI_IDENTIFIERS = ("period", "district", "category", "language")
ALL = ""  # value of a quasi-identifier that was coarsened away (district -> whole agency, dropped)


def _period_month(month: date) -> str:
    return month.strftime("%Y-%m")


def _period_quarter(month: date) -> str:
    year, quarter = quarter_of(month)
    return f"{year}-Q{quarter}"


def _period_year(month: date) -> str:
    return str(month.year)


def _year_end(month: date) -> date:
    return date(month.year, 12, 1)


# Generalisation ladder, finest first: (period formatter, keep district, keep category, keep
# language, last month that must be released before rows may be grouped at this level). The
# period never gets finer further down the ladder, so a row waiting for its quarter or year to
# close cannot be released at a finer level meanwhile and regrouped later: published groups
# are final. District and language go before the quarter does: they matter less to analysts.
_LEVELS: tuple[tuple[Callable[[date], str], bool, bool, bool, Callable[[date], date]], ...] = (
    (_period_month, True, True, True, lambda m: m),
    (_period_quarter, True, True, True, quarter_end),
    (_period_quarter, False, True, True, quarter_end),
    (_period_quarter, False, True, False, quarter_end),
    (_period_year, False, True, True, _year_end),
    (_period_year, False, True, False, _year_end),
    (_period_year, False, False, False, _year_end),
)


Combination = tuple[date, str, str, str]  # month, district, category, language


def generalisation(
    counts: Mapping[Combination, int], *, k: int, released_through: date
) -> dict[Combination, tuple[str, str, str, str]]:
    """Map each combination of quasi-identifiers to its coarsened values (absent: suppressed).

    Combinations are grouped at the finest level first; a group of >= k rows is released with that
    level's values, the rest move to the next coarser level (see _LEVELS: month -> quarter with
    district -> agency and language dropped, then the year, then the category dropped). A coarse
    period is only formed once all its
    months are released, so a published group never changes afterwards. Rows that still fail at
    the end are suppressed. Working on counts keeps exports in constant memory: the rows
    themselves are streamed and looked up here.
    """
    pending = sorted((c for c, n in counts.items() if n > 0 and c[0] <= released_through))
    out: dict[Combination, tuple[str, str, str, str]] = {}
    for fmt, keep_district, keep_category, keep_language, closes in _LEVELS:
        groups: dict[tuple[str, str, str, str], list[Combination]] = defaultdict(list)
        waiting = []
        for combo in pending:
            month, district, category, language = combo
            if closes(month) > released_through:
                waiting.append(combo)
                continue
            key = (
                fmt(month),
                (district or ALL) if keep_district else ALL,
                category if keep_category else ALL,
                language if keep_language else ALL,
            )
            groups[key].append(combo)
        pending = waiting
        for key, members in groups.items():
            if sum(counts[c] for c in members) >= k:
                out.update(dict.fromkeys(members, key))
            else:
                pending.extend(members)
        pending.sort()
    return out


def k_anonymise(
    rows: Iterable[Mapping[str, Any]], *, k: int, released_through: date
) -> list[dict[str, Any]]:
    """Coarsen the quasi-identifiers of one agency's rows (see `generalisation`).

    Each row needs `month` (date), `district`, `category`, `language`; the returned rows carry
    `period` instead of `month`, in their original order, without the suppressed ones.
    """
    rows = list(rows)

    def combo(row: Mapping[str, Any]) -> Combination:
        return (row["month"], row["district"] or ALL, row["category"], row["language"])

    counts: dict[Combination, int] = defaultdict(int)
    for row in rows:
        counts[combo(row)] += 1
    mapping = generalisation(counts, k=k, released_through=released_through)
    out = []
    for row in rows:
        key = mapping.get(combo(row))
        if key is not None:
            released = {f: v for f, v in row.items() if f != "month"}
            released.update(zip(QUASI_IDENTIFIERS, key, strict=True))
            out.append(released)
    return out


def smallest_group(
    rows: Iterable[Mapping[str, Any]], *, keys: Sequence[str] = QUASI_IDENTIFIERS
) -> int:
    """Size of the smallest combination of quasi-identifiers among released rows (0 if none)."""
    counts: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in rows:
        counts[tuple(row[q] for q in keys)] += 1
    return min(counts.values(), default=0)


# --- Partitions of one release block, checked together ---------------------------------------
#
# Every breakdown of a block (kind of contact, district, language, primary officer, each
# demographic answer, channel) is a partition of the block's people: one key per person. A cell
# is shown only if, for every measure, it holds >= k people with a score, and the hidden rest of
# its breakdown holds none or >= k of them (secondary suppression). Two breakdowns together can
# still single out a group: the sums of their shown cells and hidden rests are all known, so any
# intersection that is a *bridge* of the graph "cell of A -- cell of B when they share people" is
# determined exactly (on a cycle it is not: mass can move around it without changing any sum).
# `partitions_released` hides further cells until every such bridge holds 0 or >= k per measure.

HIDDEN = object()  # the atom "every hidden cell of this breakdown", known by subtraction


def _partition_shown(
    vectors: Mapping[Hashable, Sequence[int]], shown: set[Hashable], *, k: int
) -> set[Hashable]:
    """Secondary suppression with a count per measure: hide the smallest shown cells until the
    hidden rest holds 0 or >= k on every measure."""
    shown = set(shown)
    width = len(next(iter(vectors.values()), ()))
    while shown:
        hidden = [sum(v[i] for key, v in vectors.items() if key not in shown) for i in range(width)]
        if all(h == 0 or h >= k for h in hidden):
            break
        smallest = min(shown, key=lambda key: (vectors[key][0], repr(key)))
        shown.remove(smallest)
    return shown


def _bridges(edges: Sequence[tuple[Hashable, Hashable]]) -> set[int]:
    """Indexes of the edges that lie on no cycle (small graphs: remove each edge and search)."""
    out = set()
    for skip, (a, b) in enumerate(edges):
        adjacent: dict[Hashable, set[Hashable]] = defaultdict(set)
        for index, (x, y) in enumerate(edges):
            if index != skip:
                adjacent[x].add(y)
                adjacent[y].add(x)
        seen, todo = {a}, [a]
        while todo:
            node = todo.pop()
            for nxt in adjacent[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        if b not in seen:
            out.add(skip)
    return out


def partitions_released(
    people: Sequence[tuple[Mapping[str, Hashable], Sequence[bool]]], *, k: int
) -> dict[str, set[Hashable]]:
    """The shown cells of every breakdown of one block.

    `people` holds, per person, their key in each breakdown and a flag per measure (True when the
    person has a score for it; the first flag should be "is a person", always True). The result
    passes, for every breakdown on its own and every pair of breakdowns, the rule above.
    """
    if not people:
        return {}
    names = sorted(people[0][0])
    width = len(people[0][1])

    def vectors(name: str) -> dict[Hashable, list[int]]:
        out: dict[Hashable, list[int]] = defaultdict(lambda: [0] * width)
        for keys, flags in people:
            row = out[keys[name]]
            for i, flag in enumerate(flags):
                row[i] += int(flag)
        return dict(out)

    cells = {name: vectors(name) for name in names}
    shown = {
        name: _partition_shown(cells[name], {c for c, v in cells[name].items() if min(v) >= k}, k=k)
        for name in names
    }
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                fix = _pair_violation(people, a, b, shown, width=width, k=k)
                if fix is not None:
                    name, key = fix
                    shown[name].discard(key)
                    shown[name] = _partition_shown(cells[name], shown[name], k=k)
                    changed = True
    return shown


def _pair_violation(
    people: Sequence[tuple[Mapping[str, Hashable], Sequence[bool]]],
    a: str,
    b: str,
    shown: Mapping[str, set[Hashable]],
    *,
    width: int,
    k: int,
) -> tuple[str, Hashable] | None:
    """A shown cell to hide so that the pair (a, b) determines no intersection under k, or None."""
    inter: dict[tuple[Hashable, Hashable], list[int]] = defaultdict(lambda: [0] * width)
    for keys, flags in people:
        atom_a = keys[a] if keys[a] in shown[a] else HIDDEN
        atom_b = keys[b] if keys[b] in shown[b] else HIDDEN
        row = inter[(("a", atom_a), ("b", atom_b))]
        for i, flag in enumerate(flags):
            row[i] += int(flag)
    edges = sorted(inter, key=repr)
    for index in sorted(_bridges(edges)):
        counts = inter[edges[index]]
        if all(c == 0 or c >= k for c in counts):
            continue
        (_, atom_a), (_, atom_b) = edges[index]
        candidates = [(a, atom_a), (b, atom_b)]
        candidates = [(name, key) for name, key in candidates if key is not HIDDEN]
        if not candidates:
            # Two hidden rests meeting on a bridge: hide a shown cell touching that intersection
            # (one that shares people with the other breakdown's hidden rest) to enlarge it.
            candidates = sorted(
                {
                    (name, keys[name])
                    for keys, _ in people
                    for name, other in ((a, b), (b, a))
                    if keys[name] in shown[name] and keys[other] not in shown[other]
                },
                key=repr,
            )
            if not candidates:
                continue  # the two rests are the same people, and a rest holds 0 or >= k

        def size(candidate: tuple[str, Hashable]) -> int:
            name, key = candidate
            return sum(1 for keys, _ in people if keys[name] == key)

        return min(candidates, key=lambda c: (size(c), repr(c)))
    return None
