"""Release blocks for internal figures (PRIVACY.md "differencing counts as showing"). Pure.

A figure only ever includes responses submitted in *released* months: complete calendar months,
merged forward until the block holds at least k responses. A figure therefore changes only when a
whole block of ≥ k new responses is released, never by one response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from surveys import disclosure


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def release_blocks(
    counts_by_month: Mapping[dt.date, int], *, k: int, today: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """Return the released blocks as [start, end) month ranges, oldest first.

    The blocks are those of `surveys.disclosure` (one k-rule for public and internal figures);
    the current month is never released: it is not complete.
    """
    last_complete = month_of(month_of(today) - dt.timedelta(days=1))
    return [
        (block.start, next_month(block.end))
        for block in disclosure.release_blocks(counts_by_month, k=k, closed_through=last_complete)
    ]


def release_cutoff(
    counts_by_month: Mapping[dt.date, int], *, k: int, today: dt.date
) -> dt.date | None:
    """Return the day before which responses are released, or None when nothing is yet.

    `counts_by_month` maps a submission month (first day) to its number of responses. The current
    month is never released: it is not complete.
    """
    blocks = release_blocks(counts_by_month, k=k, today=today)
    return blocks[-1][1] if blocks else None


def suppress_cells(counts: Mapping[object, int], *, k: int) -> set[object]:
    """Return the keys of a breakdown that may be shown (`surveys.disclosure.released_cells`).

    Each shown cell holds ≥ k, and smaller shown cells are hidden too until the hidden remainder is
    empty or ≥ k, so the total minus the shown cells never reveals a small group.
    """
    return disclosure.released_cells(counts, k=k)


def breakdown_members(
    rows: Iterable[tuple[dt.date, object, object]], *, k: int, today: dt.date
) -> dict[object, list[object]]:
    """Group (submitted_on, group, payload) rows into cells that may be shown, block by block.

    The release blocks are those of all the rows together. Inside each block a cell contributes
    only if `suppress_cells` lets it, so a cell's figure also changes by ≥ k responses at a time.
    """
    rows = list(rows)
    counts: dict[dt.date, int] = {}
    for day, _group, _payload in rows:
        counts[month_of(day)] = counts.get(month_of(day), 0) + 1
    members: dict[object, list[object]] = {}
    for start, end in release_blocks(counts, k=k, today=today):
        in_block = [(g, p) for day, g, p in rows if start <= month_of(day) < end]
        cell_counts: dict[object, int] = {}
        for group, _payload in in_block:
            cell_counts[group] = cell_counts.get(group, 0) + 1
        allowed = suppress_cells(cell_counts, k=k)
        for group, payload in in_block:
            if group in allowed:
                members.setdefault(group, []).append(payload)
    return members


def released(rows: Iterable[tuple[dt.date, object]], *, k: int, today: dt.date) -> list[object]:
    """Return the payloads of (submitted_on, payload) rows that fall in released blocks."""
    rows = list(rows)
    counts: dict[dt.date, int] = {}
    for day, _payload in rows:
        counts[month_of(day)] = counts.get(month_of(day), 0) + 1
    cutoff = release_cutoff(counts, k=k, today=today)
    if cutoff is None:
        return []
    return [payload for day, payload in rows if day < cutoff]
