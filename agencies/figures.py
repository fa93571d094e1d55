"""Every released figure, computed once when a block is released: pure, no ORM.

`block_figures` computes one release block's figures from its people; `window_figures` computes
a window (12 or 24 months, kinds of contact, staff breakdowns) as the union of whole released
blocks, and inside each block only of the cells that block released. `feedback.releases` reads
the people from the database, calls these, and stores the result (ReleaseBlock, AgencyRelease);
every page, file and staff view then reads the stored result (`feedback.releases.latest_release`,
`released_blocks`). There is no other k-rule and no live figure anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from surveys.disclosure import (
    Block,
    add_months,
    month_start,
    partitions_released,
)
from surveys.scoring import (
    PERSON_COLUMNS,
    SCALE,
    Change,
    Estimate,
    group_change,
    group_estimates,
    largest_remainder,
    median,
    percentile_rank,
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


@dataclass(frozen=True)
class TrendPoint:
    """One released block on the trend chart, with its trust index."""

    block: Block
    trust: Estimate


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
