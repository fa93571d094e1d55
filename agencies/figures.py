"""Every figure of an Agency Page, computed from rollup rows under the k-rule: pure, no ORM.

A figure over a window is always the sum of released cells (surveys/disclosure.py): whole release
blocks, and inside a block the measure, item or breakdown cells that hold >= k people on their own.
The page, the directory, the national comparison and the open-data aggregates all come from here,
so they can never disagree with each other.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from surveys.disclosure import (
    Block,
    add_months,
    block_index,
    blocks_within,
    month_start,
    release_blocks,
    released_cells,
)
from surveys.scoring import (
    SCALE,
    Accumulator,
    Estimate,
    distribution,
    mean_estimate,
    median,
    percentile_rank,
    share_positive,
)

TRUST = "trust"
PILLARS = ("voice", "respect", "neutrality", "motives")
MEASURES = (TRUST, *PILLARS, "outcome")
HEADLINE_MONTHS = 12


@dataclass(frozen=True)
class ScoreRow:
    """One ScoreRollup cell: agency x month x category x measure."""

    month: dt.date
    category: str
    measure: str
    responses: int
    n: int
    total: float
    total_sq: float


@dataclass(frozen=True)
class AnswerRow:
    """One AnswerRollup cell: agency x month x category x question x value (0 = doesn't apply)."""

    month: dt.date
    category: str
    question_id: int
    value: int
    count: int


def closed_through(today: dt.date, *, code_days: int) -> dt.date:
    """The last month whose data can no longer change: every code for it has expired."""
    return add_months(month_start(today - dt.timedelta(days=code_days)), -1)


def headline_range(last: dt.date, months: int = HEADLINE_MONTHS) -> tuple[dt.date, dt.date]:
    return add_months(last, -(months - 1)), last


@dataclass(frozen=True)
class TrendPoint:
    block: Block
    trust: Estimate


@dataclass(frozen=True)
class ItemDistribution:
    question_id: int
    n: int
    shares: dict[int, float]


@dataclass
class Figures:
    """What the Agency Page may show; None everywhere a figure is withheld."""

    k: int
    closed_through: dt.date
    blocks: list[Block]
    window_blocks: list[Block]
    measures: dict[str, Estimate | None]
    categories: dict[str, Estimate | None]
    distributions: dict[int, ItemDistribution | None]
    share_positive: Estimate | None
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def responses(self) -> int:
        return sum(b.n for b in self.window_blocks)

    @property
    def first_month(self) -> dt.date | None:
        return self.window_blocks[0].start if self.window_blocks else None

    @property
    def last_month(self) -> dt.date | None:
        return self.window_blocks[-1].end if self.window_blocks else None

    @property
    def trust(self) -> Estimate | None:
        return self.measures.get(TRUST)


def blocks_of(rows: Iterable[ScoreRow], *, k: int, closed: dt.date) -> list[Block]:
    """The agency's release blocks up to the closed month."""
    counts: dict[dt.date, int] = defaultdict(int)
    for row in rows:
        if row.measure == TRUST:  # every measure row carries the cell's response count
            counts[row.month] += row.responses
    return release_blocks(counts, k=k, closed_through=closed)


Cells = dict[tuple[Block, str], dict[str, Accumulator]]  # (block, measure) -> category -> acc


def _cells(rows: Iterable[ScoreRow], blocks: list[Block]) -> Cells:
    """Accumulators per released block and measure, by call category."""
    lookup = block_index(blocks)
    cells: Cells = defaultdict(lambda: defaultdict(Accumulator))
    for row in rows:
        block = lookup(row.month)
        if block is not None:
            cells[(block, row.measure)][row.category] += Accumulator(row.n, row.total, row.total_sq)
    return cells


def _estimate(acc: Accumulator, k: int) -> Estimate | None:
    return mean_estimate(acc) if acc.n >= k else None


def agency_figures(
    score_rows: Iterable[ScoreRow],
    answer_rows: Iterable[AnswerRow],
    *,
    k: int,
    closed: dt.date,
    satisfaction_question_id: int | None,
    trend_months: int = 24,
) -> Figures:
    """Compute the page's figures for the 12 months ending with the last closed month."""
    score_rows = list(score_rows)
    blocks = blocks_of(score_rows, k=k, closed=closed)
    lookup = block_index(blocks)
    first, last = headline_range(closed)
    window = blocks_within(blocks, first=first, last=last)
    in_window = set(window)
    cells = _cells(score_rows, blocks)

    def block_total(block: Block, measure: str) -> Accumulator:
        return sum(cells[(block, measure)].values(), Accumulator())

    measures: dict[str, Estimate | None] = {}
    for measure in MEASURES:
        released = [block_total(b, measure) for b in window]
        measures[measure] = _estimate(sum((a for a in released if a.n >= k), Accumulator()), k)

    # Breakdown by call category of the trust index, with secondary suppression in each block.
    by_category: dict[str, Accumulator] = defaultdict(Accumulator)
    categories_seen: set[str] = set()
    for block in window:
        per_cat = cells[(block, TRUST)]
        categories_seen.update(per_cat)
        if block_total(block, TRUST).n < k:
            continue
        for category in released_cells({c: a.n for c, a in per_cat.items()}, k=k):
            by_category[category] += per_cat[category]
    categories = {c: _estimate(by_category[c], k) for c in sorted(categories_seen)}

    # Answer distributions: an item's block cell is released when >= k people answered it.
    item_block: dict[tuple[int, Block], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    questions: set[int] = set()
    for row in answer_rows:
        questions.add(row.question_id)
        block = lookup(row.month)
        if block in in_window:
            item_block[(row.question_id, block)][row.value] += row.count
    distributions: dict[int, ItemDistribution | None] = {}
    for question_id in sorted(questions):
        counts: dict[int, int] = defaultdict(int)
        for block in window:
            cell = item_block.get((question_id, block), {})
            if sum(cell.values()) >= k:
                for value, count in cell.items():
                    counts[value] += count
        n = sum(counts.values())
        distributions[question_id] = (
            ItemDistribution(question_id, n, distribution(counts)) if n >= k else None
        )
    # Share positive rests on those who answered 1..5, so a block counts only when >= k did.
    satisfaction: dict[int, int] = defaultdict(int)
    for block in window:
        cell = item_block.get((satisfaction_question_id, block), {})
        if sum(cell.get(v, 0) for v in SCALE) >= k:
            for value, count in cell.items():
                satisfaction[value] += count
    answered = sum(satisfaction.get(v, 0) for v in SCALE)
    positive = share_positive(satisfaction) if answered >= k else None

    trend_first = add_months(closed, -(trend_months - 1))
    trend = []
    for block in blocks_within(blocks, first=trend_first, last=closed):
        estimate = _estimate(block_total(block, TRUST), k)
        if estimate is not None:
            trend.append(TrendPoint(block, estimate))

    return Figures(
        k=k,
        closed_through=closed,
        blocks=blocks,
        window_blocks=window,
        measures=measures,
        categories=categories,
        distributions=distributions,
        share_positive=positive,
        trend=trend,
    )


def headline_trust(score_rows: Iterable[ScoreRow], *, k: int, closed: dt.date) -> Estimate | None:
    """The trust index over the headline window (directory rows, national comparison)."""
    trust_rows = [r for r in score_rows if r.measure == TRUST]
    return agency_figures(trust_rows, [], k=k, closed=closed, satisfaction_question_id=None).trust


def headline_trust_values(
    rows: Iterable[tuple[int, dt.date, int, int, float]], *, k: int, closed: dt.date
) -> dict[int, float]:
    """The headline trust index of many agencies, point estimates only (the national pool).

    `rows` are (agency, month, responses, n, total) of the trust measure summed over categories.
    The same release blocks, window and k-rule as `agency_figures` (equal to
    `headline_trust(...).value`), without intervals or per-agency figures: the pool only needs
    each agency's mean, and it is computed over every agency at once.
    """
    by_agency: dict[int, dict[dt.date, tuple[int, int, float]]] = defaultdict(dict)
    for agency_id, month, responses, n, total in rows:
        by_agency[agency_id][month] = (responses, n, total)
    first, last = headline_range(closed)
    values: dict[int, float] = {}
    for agency_id, months in by_agency.items():
        counts = {month: responses for month, (responses, _, _) in months.items()}
        window = blocks_within(release_blocks(counts, k=k, closed_through=closed), first=first,
                               last=last)  # fmt: skip
        lookup = block_index(window)
        per_block: dict[Block, Accumulator] = defaultdict(Accumulator)
        for month, (_, n, total) in months.items():
            block = lookup(month)
            if block is not None:
                per_block[block] += Accumulator(n, total, 0.0)
        released = sum((a for a in per_block.values() if a.n >= k), Accumulator())
        if released.n >= k:
            values[agency_id] = released.total / released.n
    return values


@dataclass(frozen=True)
class Comparison:
    median: float
    percentile: float | None
    agencies: int


def compare(value: float | None, national: Mapping[int, float]) -> Comparison | None:
    """Median trust index of published agencies and this agency's percentile rank among them."""
    mid = median(national.values())
    if mid is None:
        return None
    rank = percentile_rank(value, national.values()) if value is not None else None
    return Comparison(mid, rank, len(national))


@dataclass(frozen=True)
class BlockCell:
    """One released cell of the period aggregates: a block, optionally one call category."""

    block: Block
    category: str  # "" for every contact in the block
    measure: str
    estimate: Estimate


def block_cells(score_rows: Iterable[ScoreRow], *, k: int, closed: dt.date) -> list[BlockCell]:
    """Every released (block, category, measure) cell, oldest block first."""
    score_rows = list(score_rows)
    blocks = blocks_of(score_rows, k=k, closed=closed)
    cells = _cells(score_rows, blocks)
    out = []
    for block in blocks:
        for measure in MEASURES:
            per_cat = cells[(block, measure)]
            total = sum(per_cat.values(), Accumulator())
            if total.n < k:
                continue
            out.append(BlockCell(block, "", measure, mean_estimate(total)))
            for category in sorted(released_cells({c: a.n for c, a in per_cat.items()}, k=k)):
                out.append(BlockCell(block, category, measure, mean_estimate(per_cat[category])))
    return out
