"""Geometry for the server-rendered SVG charts (templates draw it; no JavaScript, no inline CSS)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from surveys.disclosure import add_months

from .figures import TrendPoint


def _month_index(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    y_low: float
    y_high: float
    point: TrendPoint


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    gridlines: list[tuple[float, int]]
    month_ticks: list[tuple[float, dt.date]]
    points: list[ChartPoint]
    line: str
    band: str
    year_every_tick: bool = False  # ticks a few months apart: each names its year


def trend_chart(
    points: Sequence[TrendPoint],
    *,
    first: dt.date,
    last: dt.date,
    width: int = 640,
    height: int = 260,
) -> TrendChart:
    """Place each block's trust index (and its interval) at the middle of the block's months."""
    left, right, top, bottom = 44, width - 12, 14, height - 50
    span = max(_month_index(last) - _month_index(first) + 1, 1)

    def x_at(month_position: float) -> float:
        return round(left + (right - left) * (month_position + 0.5) / span, 1)

    def y_at(score: float) -> float:
        return round(bottom - (bottom - top) * score / 100.0, 1)

    placed = []
    for p in points:
        middle = (_month_index(p.block.start) + _month_index(p.block.end)) / 2.0
        est = p.trust
        low = est.low if est.low is not None else est.value
        high = est.high if est.high is not None else est.value
        placed.append(
            ChartPoint(
                x_at(middle - _month_index(first)), y_at(est.value), y_at(low), y_at(high), p
            )
        )
    line = " ".join(f"{'M' if i == 0 else 'L'}{c.x},{c.y}" for i, c in enumerate(placed))
    band = " ".join(
        [f"{c.x},{c.y_high}" for c in placed] + [f"{c.x},{c.y_low}" for c in reversed(placed)]
    )
    # Label every month while labels have room (about 44 units each), else every 3rd or 6th.
    room = (right - left) / span
    step = next(s for s in (1, 2, 3, 6, 12) if room * s >= 44)
    ticks = [(x_at(i), add_months(first, i)) for i in range(0, span, step)]
    grid = [(y_at(v), v) for v in (0, 25, 50, 75, 100)]
    return TrendChart(
        width, height, left, right, top, bottom, grid, ticks, placed, line, band, step > 1
    )


@dataclass(frozen=True)
class Segment:
    value: int
    x: float
    width: float
    share: float


def stacked_bar(shares: Mapping[int, float], order: Sequence[int]) -> list[Segment]:
    """Segments of a 0-100 wide bar, one per answer value in `order`."""
    out, x = [], 0.0
    for value in order:
        share = shares.get(value, 0.0)
        out.append(Segment(value, round(x, 2), round(100.0 * share, 2), share))
        x += 100.0 * share
    return out
