"""Deliberately weakened configurations, test-only, so that each attack can be shown to work.

`OldOpenData` rebuilds what the open data published before it became the page's figures:
k-anonymous per-response rows (`responses.csv`) next to exact per-block aggregates by kind of
contact (`aggregates.csv`). It reads the database directly and keeps its own copies of the old
rules (generalisation ladder, trust averaged over answered pillars), so it keeps producing the old
outputs whatever production code becomes. `tests.privacy.weakened_urls` serves it at the old
addresses, next to every real page and file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from statistics import fmean

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from agencies.models import Agency
from feedback.models import Answer, Feedback

PILLARS = ("voice", "respect", "neutrality", "motives")
MEASURES = ("trust", *PILLARS, "outcome")


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def closed_month(today: dt.date | None = None) -> dt.date:
    """The last month every code for which has expired (the old and the new rule agree)."""
    today = today or dt.date.today()
    start = (today - dt.timedelta(days=settings.FEEDBACK_CODE_DAYS)).replace(day=1)
    return add_months(start, -1)


def answered_pillars_scores(by_pillar: Mapping[str, list[int | None]]) -> dict[str, float | None]:
    """The old person-level scores: trust is the mean of the pillars this person answered."""
    scores: dict[str, float | None] = {}
    for pillar in (*PILLARS, "outcome"):
        values = [(v - 1) * 25.0 for v in by_pillar.get(pillar, []) if v]
        scores[pillar] = fmean(values) if values else None
    answered = [scores[p] for p in PILLARS if scores[p] is not None]
    scores["trust"] = fmean(answered) if answered else None
    return scores


def month_blocks(counts: Mapping[dt.date, int], *, k: int, closed: dt.date) -> list[tuple]:
    """Release blocks (start, end, n): months merged forward until they hold >= k responses."""
    blocks, start, running = [], None, 0
    for month in sorted(m for m, c in counts.items() if c > 0 and m <= closed):
        start = start or month
        running += counts[month]
        if running >= k:
            blocks.append((start, month, running))
            start, running = None, 0
    return blocks


def complementary(cells: Mapping[str, int], *, k: int) -> set[str]:
    """Primary suppression under k, then hide the smallest shown cells until the rest >= k."""
    shown = {c for c, n in cells.items() if n >= k}
    hidden = sum(n for c, n in cells.items() if c not in shown)
    while 0 < hidden < k and shown:
        smallest = min(shown, key=lambda c: (cells[c], c))
        shown.remove(smallest)
        hidden += cells[smallest]
    return shown


def _quarter(month: dt.date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def _quarter_end(month: dt.date) -> dt.date:
    return dt.date(month.year, ((month.month - 1) // 3 + 1) * 3, 1)


# The old ladder, finest first: period, keep district, keep category, keep language, closes.
LADDER: tuple[tuple[Callable, bool, bool, bool, Callable], ...] = (
    (lambda m: f"{m:%Y-%m}", True, True, True, lambda m: m),
    (_quarter, True, True, True, _quarter_end),
    (_quarter, False, True, True, _quarter_end),
    (_quarter, False, True, False, _quarter_end),
    (lambda m: str(m.year), False, True, True, lambda m: dt.date(m.year, 12, 1)),
    (lambda m: str(m.year), False, True, False, lambda m: dt.date(m.year, 12, 1)),
    (lambda m: str(m.year), False, False, False, lambda m: dt.date(m.year, 12, 1)),
)


def generalise(counts: Mapping[tuple, int], *, k: int, through: dt.date) -> dict[tuple, tuple]:
    """(month, district, category, language) -> published (period, district, category, language)."""
    pending = sorted(c for c, n in counts.items() if n > 0 and c[0] <= through)
    out: dict[tuple, tuple] = {}
    for fmt, keep_district, keep_category, keep_language, closes in LADDER:
        groups: dict[tuple, list[tuple]] = defaultdict(list)
        waiting = []
        for combo in pending:
            month, district, category, language = combo
            if closes(month) > through:
                waiting.append(combo)
                continue
            key = (fmt(month), district if keep_district else "",
                   category if keep_category else "", language if keep_language else "")  # fmt: skip
            groups[key].append(combo)
        pending = waiting
        for key, members in groups.items():
            if sum(counts[c] for c in members) >= k:
                out.update(dict.fromkeys(members, key))
            else:
                pending.extend(members)
        pending.sort()
    return out


class People:
    """One agency's responses with their answers and old-style scores (ground truth for tests)."""

    def __init__(self, agency: Agency) -> None:
        self.agency = agency
        answers: dict[int, list[tuple[str, str, int | None]]] = defaultdict(list)
        for fid, code, pillar, value in Answer.objects.filter(feedback__agency=agency).values_list(
            "feedback_id", "question__code", "question__pillar", "value"
        ):
            answers[fid].append((code, pillar, value))
        self.codes = sorted({code for rows in answers.values() for code, _, _ in rows})
        self.people = []
        for fid, month, district, category, language, verified, version in (
            Feedback.objects.filter(agency=agency)
            .order_by("id")
            .values_list(
                "id",
                "interaction_month",
                "district__name",
                "category",
                "language",
                "verified",
                "survey__version",
            )  # fmt: skip
        ):
            by_pillar: dict[str, list[int | None]] = defaultdict(list)
            vector = {}
            for code, pillar, value in answers[fid]:
                by_pillar[pillar].append(value)
                vector[code] = value or 0
            self.people.append({
                "id": fid, "month": month, "district": district or "", "category": category,
                "language": language, "verified": verified, "version": version,
                "vector": tuple(vector.get(c, "") for c in self.codes),
                "scores": answered_pillars_scores(by_pillar),
            })  # fmt: skip


class OldOpenData:
    """The old `responses.csv` and `aggregates.csv` of one agency."""

    def __init__(self, agency: Agency, *, k: int | None = None, closed: dt.date | None = None):
        self.k = k or settings.MIN_PUBLIC_RESPONSES
        self.closed = closed or closed_month()
        self.data = People(agency)
        counts: dict[dt.date, int] = defaultdict(int)
        for p in self.data.people:
            counts[p["month"]] += 1
        self.blocks = month_blocks(counts, k=self.k, closed=self.closed)

    def responses(self) -> list[list[object]]:
        people = self.data.people
        through = self.blocks[-1][1] if self.blocks else dt.date.min
        counts: dict[tuple, int] = defaultdict(int)
        for p in people:
            counts[(p["month"], p["district"], p["category"], p["language"])] += 1
        mapping = generalise(counts, k=self.k, through=through)
        head = ["period", "district", "call_category", "language", "verified", "survey_version"]
        rows: list[list[object]] = [head + [f"q_{c}" for c in self.data.codes]]
        body = []
        for p in people:
            key = mapping.get((p["month"], p["district"], p["category"], p["language"]))
            if key is not None:
                body.append([*key, p["verified"], p["version"], *p["vector"]])
        return rows + sorted(body, key=repr)

    def aggregates(self) -> list[list[object]]:
        rows: list[list[object]] = [
            ["period_start", "period_end", "call_category", "measure", "responses", "n", "mean"]
        ]
        for start, end, n in self.blocks:
            inside = [p for p in self.data.people if start <= p["month"] <= end]
            for measure in MEASURES:
                scored = [p for p in inside if p["scores"][measure] is not None]
                if len(scored) < self.k:
                    continue
                mean = fmean(p["scores"][measure] for p in scored)
                rows.append([f"{start:%Y-%m}", f"{end:%Y-%m}", "", measure, n, len(scored),
                             round(mean, 2)])  # fmt: skip
                by_cat: dict[str, list[float]] = defaultdict(list)
                for p in scored:
                    by_cat[p["category"]].append(p["scores"][measure])
                for cat in sorted(complementary({c: len(v) for c, v in by_cat.items()}, k=self.k)):
                    rows.append([f"{start:%Y-%m}", f"{end:%Y-%m}", cat, measure, n,
                                 len(by_cat[cat]), round(fmean(by_cat[cat]), 2)])  # fmt: skip
        return rows


def _csv(rows: Iterable[list[object]]) -> HttpResponse:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")


def old_responses_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _csv(OldOpenData(get_object_or_404(Agency, slug=slug)).responses())


def old_aggregates_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _csv(OldOpenData(get_object_or_404(Agency, slug=slug)).aggregates())


# --- Weakened release engines (patched into the real one for a test) -------------------------


def primary_suppression_only(people, *, k: int) -> dict:
    """`disclosure.partitions_released` without complementary suppression: each breakdown shows
    every cell that holds >= k on its own, whatever the hidden rest adds up to."""
    if not people:
        return {}
    width = len(people[0][1])
    out = {}
    for name in sorted(people[0][0]):
        counts: dict = defaultdict(lambda: [0] * width)
        for keys, flags in people:
            for i, flag in enumerate(flags):
                counts[keys[name]][i] += int(flag)
        out[name] = {key for key, v in counts.items() if min(v) >= k}
    return out


def answered_pillars_estimates(real: Callable) -> Callable:
    """`scoring.group_estimates` with the old trust index: each person's mean over the pillars they
    answered, averaged over people (so it covers other people than the pillar means beside it)."""
    import math

    from surveys.scoring import Estimate

    def estimates(rows, **kwargs):
        out = real(rows, **kwargs)
        per_person = []
        for row in rows:
            answered = [v for v in list(row)[: len(PILLARS)] if not math.isnan(v)]
            if answered:
                per_person.append(fmean(answered))
        if per_person and out.get("trust") is not None:
            old = out["trust"]
            out["trust"] = Estimate(fmean(per_person), old.low, old.high, len(per_person))
        return out

    return estimates
