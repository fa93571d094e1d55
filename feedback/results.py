"""Internal results for an agency's staff: scores and k-suppressed breakdowns (issue 5).

Reads feedback rows (staff figures need district and officer, which the rollups do not hold) but
only ever returns aggregates over released blocks of ≥ k responses (feedback/release.py).
Means only for now: intervals come from surveys/scoring.py once the Agency Page work adds them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import fmean

from django.conf import settings
from django.utils import timezone

from agencies import csvfiles
from agencies.models import Agency
from surveys.scoring import MEASURES, person_scores

from .models import Answer, Category, Feedback
from .release import breakdown_members, released

KUDOS_MIN_OUTCOME = 75.0  # "agree" or better on the overall items


@dataclass
class Cell:
    label: str
    responses: int = 0
    scores: dict[str, float | None] = field(default_factory=dict)
    shown: bool = False

    @property
    def values(self) -> list[float | None]:
        """Scores in MEASURES order, for tables."""
        return [self.scores.get(m) for m in MEASURES]


@dataclass
class Results:
    k: int
    overall: Cell
    breakdowns: dict[str, list[Cell]]
    kudos: list[Feedback]


def _mean_scores(people: list[dict[str, float | None]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for measure in MEASURES:
        values = [p[measure] for p in people if p.get(measure) is not None]
        out[measure] = round(fmean(values), 1) if values else None
    return out


def _cell(label: str, ids: list[int], people: dict, k: int) -> Cell:
    cell = Cell(label=label, responses=len(ids))
    if len(ids) >= k:
        cell.scores = _mean_scores([people[i] for i in ids])
        cell.shown = True
    return cell


def agency_results(*, agency: Agency, today: dt.date | None = None) -> Results:
    """Return the dashboard figures for `agency`; every shown figure rests on ≥ k responses."""
    k = settings.MIN_PUBLIC_RESPONSES
    today = today or timezone.localdate()
    feedback = Feedback.objects.filter(agency=agency)
    meta = {
        pk: (submitted, category, district)
        for pk, submitted, category, district in feedback.values_list(
            "pk", "submitted_on", "category", "district__name"
        )
    }
    by_pillar: dict[int, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
    for fid, pillar, value in Answer.objects.filter(feedback__agency=agency).values_list(
        "feedback_id", "question__pillar", "value"
    ):
        by_pillar[fid][pillar].append(value)
    people = {fid: person_scores(by_pillar.get(fid, {})) for fid in meta}

    labels = dict(Category.choices)
    rows: dict[str, list[tuple[dt.date, str, int]]] = {
        "district": [],
        "category": [],
        "officer": [],
    }
    for pk, (submitted, category, district) in meta.items():
        rows["category"].append((submitted, str(labels.get(category, category)), pk))
        rows["district"].append((submitted, district or "", pk))
    through = Feedback.officers.through.objects.filter(feedback__agency=agency)
    for fid, name, badge in through.values_list(
        "feedback_id", "officer__display_name", "officer__badge_number"
    ):
        rows["officer"].append((meta[fid][0], f"{name} #{badge}", fid))

    overall = _cell(
        "", released([(m[0], pk) for pk, m in meta.items()], k=k, today=today), people, k
    )
    breakdowns: dict[str, list[Cell]] = {}
    for name, members in rows.items():
        included = breakdown_members(members, k=k, today=today)
        groups = sorted({group for _day, group, _pk in members if group})
        breakdowns[name] = [_cell(g, included.get(g, []), people, k) for g in groups]

    kudos = [
        f
        for f in feedback.comments_published().order_by("-published_on", "-pk")[:200]
        if (people.get(f.pk) or {}).get("outcome") is not None
        and people[f.pk]["outcome"] >= KUDOS_MIN_OUTCOME
    ][:50]
    return Results(k=k, overall=overall, breakdowns=breakdowns, kudos=kudos)


def results_csv(results: Results) -> str:
    """Aggregates only (shown cells), for analysts' spreadsheets."""
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\r\n")
    writer.writerow(["breakdown", "group", "responses", *MEASURES])
    rows = [("overall", results.overall)] + [
        (name, cell) for name, cells in results.breakdowns.items() for cell in cells
    ]
    for name, cell in rows:
        if not cell.shown:
            continue
        scores = ["" if cell.scores[m] is None else f"{cell.scores[m]:.1f}" for m in MEASURES]
        writer.writerow([name, cell.label, cell.responses, *scores])
    return out.getvalue()
