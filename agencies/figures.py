"""Every released figure, computed once when a block is released: pure, no ORM.

`block_figures` computes one release block's figures from its people; `window_figures` computes
a window (12 or 24 months, kinds of contact, staff breakdowns) as the union of whole released
blocks, and inside each block only of the cells that block released. `feedback.releases` reads
the people from the database, calls these, and stores the result (ReleaseBlock, AgencyRelease);
every page, file and staff view then reads the stored result (`feedback.releases.released_view`).
The older live functions at the bottom of this module serve the open-data aggregates only until
those read the stored releases too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from surveys.disclosure import (
    Block,
    add_months,
    block_index,
    blocks_within,
    month_start,
    partitions_released,
    release_blocks,
    released_cells,
)
from surveys.scoring import (
    PERSON_COLUMNS,
    SCALE,
    Accumulator,
    Change,
    Estimate,
    distribution,
    group_change,
    group_estimates,
    largest_remainder,
    mean_estimate,
    median,
    percentile_rank,
    share_positive,
    wilson_interval,
)

TRUST = "trust"
PILLARS = ("voice", "respect", "neutrality", "motives")
MEASURES = (TRUST, *PILLARS, "outcome")
HEADLINE_MONTHS = 12
TREND_MONTHS = (12, 24)
MIN_OTHERS = 5  # agencies a comparison needs besides the agency itself (SURVEY.md)
FIGURES_VERSION = 1  # bump when the stored layout changes; a rebuild rewrites every release

# Breakdowns of a block: each is a partition of its people (one key per person).
BREAKDOWNS = (
    "category",
    "district",
    "language",
    "officer",
    "channel",
    "age_band",
    "race_ethnicity",
    "gender",
)
PUBLIC_BREAKDOWNS = ("category", "district", "language")  # the rest: staff results only
# Flags per person for the k-rule: is a person, has each measure, answered the satisfaction item.
FLAG_NAMES = ("people", *PERSON_COLUMNS, "satisfaction")


@dataclass(frozen=True)
class Person:
    """One response as the release engine sees it: its month, breakdown keys, scores, answers."""

    month: dt.date
    keys: Mapping[str, str]  # breakdown name -> key ("" where not recorded)
    scores: tuple[float, ...]  # surveys.scoring.person_row
    answers: Mapping[str, int]  # question key -> 1..5, 0 = doesn't apply
    satisfaction: int | None  # the satisfaction item's 1..5 answer

    @property
    def flags(self) -> tuple[bool, ...]:
        return (
            True,
            *(s == s for s in self.scores),  # NaN != NaN
            self.satisfaction in SCALE,
        )


def closed_through(today: dt.date, *, code_days: int) -> dt.date:
    """The last month whose data can no longer change: every code for it has expired."""
    return add_months(month_start(today - dt.timedelta(days=code_days)), -1)


def month_closes_on(month: dt.date, *, code_days: int) -> dt.date:
    """The day a month closes (and its block may be released): `code_days` after it ends."""
    return add_months(month, 1) + dt.timedelta(days=code_days)


def headline_range(last: dt.date, months: int = HEADLINE_MONTHS) -> tuple[dt.date, dt.date]:
    return add_months(last, -(months - 1)), last


# --- JSON shapes --------------------------------------------------------------------------------


def estimate_json(est: Estimate | None) -> dict | None:
    if est is None:
        return None
    return {
        "value": round(est.value, 4),
        "low": None if est.low is None else round(est.low, 4),
        "high": None if est.high is None else round(est.high, 4),
        "n": est.n,
    }


def estimate_of(data: Mapping | None) -> Estimate | None:
    if not data:
        return None
    return Estimate(data["value"], data["low"], data["high"], data["n"])


def change_json(change: Change | None) -> dict | None:
    if change is None:
        return None
    return {
        "difference": round(change.difference, 4),
        "low": round(change.low, 4),
        "high": round(change.high, 4),
        "detectable": change.detectable,
    }


def _scored(people: Sequence[Person], k: int) -> bool:
    """A group's scores are shown only when every measure rests on >= k people."""
    if not people:
        return False
    totals = [sum(flags) for flags in zip(*(p.flags for p in people), strict=True)]
    return min(totals) >= k


def _rows(people: Iterable[Person]) -> list[tuple[float, ...]]:
    return [p.scores for p in people]


def _share_positive(people: Sequence[Person]) -> Estimate | None:
    answered = [p.satisfaction for p in people if p.satisfaction in SCALE]
    if not answered:
        return None
    positive = sum(1 for v in answered if v >= 4)
    low, high = wilson_interval(positive, len(answered))
    return Estimate(positive / len(answered), low, high, len(answered))


def _distributions(people: Sequence[Person], questions: Sequence[str]) -> dict[str, dict]:
    out = {}
    for question in questions:
        counts: dict[int, int] = defaultdict(int)
        for p in people:
            if question in p.answers:
                counts[p.answers[question]] += 1
        n = sum(counts.values())
        if not n:
            continue
        full = {v: counts.get(v, 0) for v in (*SCALE, 0)}
        out[question] = {
            "n": n,
            "counts": {str(v): c for v, c in full.items()},
            "percent": {str(v): p for v, p in largest_remainder(full).items()},
        }
    return out


def group_json(people: Sequence[Person], *, questions: Sequence[str] = ()) -> dict:
    """The scores of one released group: every measure, share positive, answer distributions."""
    estimates = group_estimates(_rows(people))
    out = {
        "n": len(people),
        "measures": {m: estimate_json(estimates[m]) for m in MEASURES},
        "share_positive": estimate_json(_share_positive(people)),
    }
    if questions:
        out["distributions"] = _distributions(people, questions)
    return out


# --- One block ----------------------------------------------------------------------------------


def block_shown_cells(people: Sequence[Person], *, k: int) -> dict[str, set[str]]:
    """The shown cells of every breakdown of one block (checked together: disclosure.py)."""
    return partitions_released([(p.keys, p.flags) for p in people], k=k)


def block_figures(
    people: Sequence[Person],
    *,
    k: int,
    questions: Sequence[str],
    labels: Mapping[str, Mapping[str, str]] | None = None,
    previous: Sequence[Person] | None = None,
    year_earlier: Sequence[Person] | None = None,
    codes: Mapping[str, int] | None = None,
) -> dict:
    """The stored figures of one release block.

    `labels` names breakdown keys that are not translatable choices (district and officer names,
    frozen as they were on the day of release). `previous` and `year_earlier` are the people of the
    block before and of the block covering the same months a year earlier (None: there is none or
    it has no scores); `codes` the codes issued for the block's months, by channel.
    """
    labels = labels or {}
    scored = _scored(people, k)
    out: dict = {"version": FIGURES_VERSION, "n": len(people), "scored": scored}
    if scored:
        out.update(group_json(people, questions=questions))
    shown = block_shown_cells(people, k=k) if scored else {}
    breakdowns = {}
    for name in BREAKDOWNS:
        members: dict[str, list[Person]] = defaultdict(list)
        for p in people:
            members[p.keys.get(name, "")].append(p)
        cells = {}
        for key in sorted(shown.get(name, ())):
            cell = group_json(members[key])
            cell["label"] = labels.get(name, {}).get(key, key)
            cells[key] = cell
        names = labels.get(name, {})
        breakdowns[name] = {
            "cells": cells,
            "hidden": len(people) - sum(len(members[key]) for key in cells),
            "seen": sorted(members),
            "labels": {key: names[key] for key in sorted(members) if key in names},
        }
    out["breakdowns"] = breakdowns
    out["change"] = {
        "previous": change_json(group_change(_rows(people), _rows(previous)))
        if scored and previous
        else None,
        "year_earlier": change_json(group_change(_rows(people), _rows(year_earlier)))
        if scored and year_earlier
        else None,
    }
    channel_cells = breakdowns["channel"]["cells"]
    codes = dict(codes or {})
    out["response_rate"] = {
        "codes": sum(codes.values()),
        "responses": len(people),
        "channels": {
            channel: {
                "codes": issued,
                # "fewer than k" (None) until the channel's cell holds k responses.
                "responses": channel_cells[channel]["n"] if channel in channel_cells else None,
            }
            for channel, issued in sorted(codes.items())
        },
    }
    return out


# --- Windows of whole blocks -----------------------------------------------------------------


@dataclass(frozen=True)
class BlockPeople:
    """A released block with its people and its stored figures (to know which cells it shows)."""

    first: dt.date
    last: dt.date
    people: Sequence[Person]
    figures: Mapping


def block_json(block: BlockPeople) -> dict:
    return {
        "first": block.first.isoformat(),
        "last": block.last.isoformat(),
        "n": len(block.people),
    }


def window_figures(
    blocks: Sequence[BlockPeople],
    *,
    k: int,
    first: dt.date,
    last: dt.date,
    questions: Sequence[str],
) -> dict:
    """A window: the blocks lying wholly in [first, last], unions of what each block released."""
    inside = [b for b in blocks if b.first >= first and b.last <= last]
    scored = [b for b in inside if b.figures.get("scored")]
    people = [p for b in scored for p in b.people]
    out: dict = {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "blocks": [block_json(b) for b in inside],
        "scored_blocks": [block_json(b) for b in scored],
        "n": sum(len(b.people) for b in inside),
    }
    out.update(group_json(people, questions=questions) if people else {"n_scored": 0})
    out["n"] = sum(len(b.people) for b in inside)
    breakdowns = {}
    for name in BREAKDOWNS:
        members: dict[str, list[Person]] = defaultdict(list)
        months: dict[str, list[dict]] = defaultdict(list)
        seen: dict[str, int] = defaultdict(int)
        labels: dict[str, str] = {}
        for b in inside:
            stored = b.figures.get("breakdowns", {}).get(name, {})
            labels.update(stored.get("labels", {}))
            cells = stored.get("cells", {})
            for p in b.people:
                seen[p.keys.get(name, "")] += 1
            for key, cell in cells.items():
                labels[key] = cell.get("label", key)
                months[key].append(block_json(b))
                members[key].extend(p for p in b.people if p.keys.get(name, "") == key)
        rows = {}
        for key in sorted(seen):
            if key in members:
                row = group_json(members[key])
                row.update(status="shown", label=labels[key], blocks=months[key])
            else:
                # Enough in the window, but in no single block enough to be shown on its own.
                status = "not_in_any_block" if seen[key] >= k else "too_few"
                row = {"status": status, "label": labels.get(key, key)}
            rows[key] = row
        breakdowns[name] = rows
    out["breakdowns"] = breakdowns
    return out


def comparison_json(value: float | None, others: Mapping[int, float]) -> dict:
    """The trust index against the *other* agencies over the same months (SURVEY.md)."""
    if value is None:
        return {"status": "no_trust", "others": len(others)}
    if len(others) < MIN_OTHERS:
        return {"status": "too_few", "others": len(others), "needed": MIN_OTHERS}
    return {
        "status": "shown",
        "others": len(others),
        "median": round(median(others.values()), 4),
        "percentile": round(percentile_rank(value, others.values()), 4),
    }


# --- Live figures from rollups: the open-data aggregates only, until they read releases -----


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
