"""Internal results for an agency's staff: the same stored release as the public page.

Nothing here computes a figure: it reads the agency's latest AgencyRelease (feedback/releases.py),
whose windows are unions of whole released blocks and whose breakdowns (district, kind of contact,
primary officer, language) are partitions checked together with every other breakdown of each
block. The staff see more breakdowns than the public page, never other numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings

from agencies import csvfiles
from agencies.figures import MEASURES, estimate_of
from agencies.models import Agency
from surveys.scoring import Estimate

from .models import AgencyRelease, Category, Language
from .releases import latest_release

STAFF_BREAKDOWNS = ("district", "category", "officer", "language")


@dataclass
class Cell:
    label: str
    responses: int = 0
    estimates: dict[str, Estimate | None] = field(default_factory=dict)
    shown: bool = False
    status: str = ""
    first: dt.date | None = None
    last: dt.date | None = None
    blocks: int = 0

    @property
    def values(self) -> list[float | None]:
        """Scores in MEASURES order, rounded for tables."""
        return [
            None if self.estimates.get(m) is None else round(self.estimates[m].value, 1)
            for m in MEASURES
        ]


@dataclass
class Results:
    k: int
    release: AgencyRelease | None
    overall: Cell
    breakdowns: dict[str, list[Cell]]


def _months(blocks: list[dict]) -> tuple[dt.date | None, dt.date | None, int]:
    if not blocks:
        return None, None, 0
    return (
        dt.date.fromisoformat(blocks[0]["first"]),
        dt.date.fromisoformat(blocks[-1]["last"]),
        len(blocks),
    )


def _label(name: str, key: str, stored: str) -> str:
    if name == "category":
        return str(dict(Category.choices).get(key, key))
    if name == "language":
        return str(dict(Language.choices).get(key, key))
    return stored or "—"


def agency_results(*, agency: Agency) -> Results:
    """The staff figures of `agency`: its latest release, every shown figure on >= k people."""
    k = settings.MIN_PUBLIC_RESPONSES
    release = latest_release(agency)
    headline = release.figures.get("headline", {}) if release else {}
    first, last, blocks = _months(headline.get("scored_blocks", []))
    estimates = {m: estimate_of(v) for m, v in headline.get("measures", {}).items()}
    overall = Cell(
        label="",
        responses=estimates["trust"].n if estimates.get("trust") else 0,
        estimates=estimates,
        shown=bool(estimates.get("trust")),
        status="shown" if estimates.get("trust") else "too_few",
        first=first,
        last=last,
        blocks=blocks,
    )
    breakdowns: dict[str, list[Cell]] = {}
    for name in STAFF_BREAKDOWNS:
        cells = []
        for key, row in headline.get("breakdowns", {}).get(name, {}).items():
            if not key:
                continue  # not recorded: part of the total, never a group of its own
            shown = row.get("status") == "shown"
            c_first, c_last, c_blocks = _months(row.get("blocks", []))
            cells.append(
                Cell(
                    label=_label(name, key, row.get("label", "")),
                    responses=row.get("n", 0) if shown else 0,
                    estimates={m: estimate_of(v) for m, v in row.get("measures", {}).items()},
                    shown=shown,
                    status=row.get("status", ""),
                    first=c_first,
                    last=c_last,
                    blocks=c_blocks,
                )
            )
        breakdowns[name] = sorted(cells, key=lambda c: c.label)
    return Results(k=k, release=release, overall=overall, breakdowns=breakdowns)


def results_csv(results: Results) -> str:
    """Aggregates only (shown cells), each with the months it covers, for analysts."""
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\r\n")
    writer.writerow(["breakdown", "group", "first_month", "last_month", "responses", *MEASURES])
    rows = [("overall", results.overall)] + [
        (name, cell) for name, cells in results.breakdowns.items() for cell in cells
    ]
    for name, cell in rows:
        if not cell.shown:
            continue
        scores = ["" if v is None else f"{v:.1f}" for v in cell.values]
        writer.writerow(
            [
                name,
                cell.label,
                f"{cell.first:%Y-%m}" if cell.first else "",
                f"{cell.last:%Y-%m}" if cell.last else "",
                cell.responses,
                *scores,
            ]
        )
    return out.getvalue()
