"""The agency's attacks on what the site publishes, written as it would run them.

Each attack takes a `Public` harvest (tests/privacy/public.py: pages and files, parsed) and
returns what it recovered: groups of fewer than k people with their answer vectors or their mean
score. None of them reads the database; the tests compare what they claim with the truth.

Integer programs use PuLP with its bundled CBC solver. Every constraint holds for the true data
(published means are rounded to 2 decimals, so sums are constrained to n x (mean +/- 0.005)), so
the truth is always feasible: a bound the solver proves is a fact about the real respondents.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from collections import defaultdict
from dataclasses import dataclass

import pulp

from .public import Public

PILLARS = ("voice", "respect", "neutrality", "motives")
MEASURES = ("trust", *PILLARS, "outcome")
ROUNDING = 0.005  # published means carry 2 decimals
_DEBUG = False
# PuLP 3.3 announces API changes for 4.0 on every variable; the pinned version works as used.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulp(\.|$)")


def _solver() -> pulp.LpSolver:
    return pulp.PULP_CBC_CMD(msg=_DEBUG, timeLimit=60)


def _month(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def period_months(period: str) -> set[dt.date]:
    """The months of a published period: YYYY-MM, YYYY-Qn or YYYY."""
    if len(period) == 7 and period[4] == "-" and period[5] != "Q":
        return {_month(period)}
    year = int(period[:4])
    if "-Q" in period:
        first = (int(period[-1]) - 1) * 3 + 1
        return {dt.date(year, m, 1) for m in range(first, first + 3)}
    return {dt.date(year, m, 1) for m in range(1, 13)}


def block_months(start: str, end: str) -> set[dt.date]:
    months, month = set(), _month(start)
    while month <= _month(end):
        months.add(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def person_scores(answers: dict[str, int | None], pillars: dict[str, str]) -> dict:
    """What the agency computes from one published row: the methodology's scores."""
    by_pillar: dict[str, list[float]] = defaultdict(list)
    for code, value in answers.items():
        if value:
            by_pillar[pillars[code]].append((value - 1) * 25.0)
    scores = {p: (sum(v) / len(v) if v else None) for p, v in
              ((p, by_pillar.get(p, [])) for p in (*PILLARS, "outcome"))}  # fmt: skip
    answered = [scores[p] for p in PILLARS if scores[p] is not None]
    scores["trust"] = sum(answered) / len(answered) if answered else None
    return scores


# --- 1. Rows next to aggregates: which block is each row in? ------------------------------------


@dataclass(frozen=True)
class RecoveredGroup:
    """A group of fewer than k people the agency can name, with every answer vector."""

    block: tuple[str, str]
    category: str
    district: str
    language: str
    vectors: tuple[tuple[tuple[str, int | None], ...], ...]

    @property
    def size(self) -> int:
        return len(self.vectors)


def rows_to_blocks(public: Public, *, k: int) -> list[RecoveredGroup]:
    """Subset sums as an integer program: place every published row in its release block.

    Rows carry a coarse period (quarter, year) and exact answers; the aggregates give, per block
    and kind of contact, how many people scored each measure and their mean. For each kind of
    contact the program assigns rows to blocks so that every published count and sum holds
    (unpublished rows fill the rest, as few as possible). A part of a row class (same period,
    district, language) whose size in a block is the same in every solution, and under k, is a
    named group of fewer than k people; when every answer vector in it is forced too, the agency
    has their answers.
    """
    rows = public.rows_with_answers()
    questions = public.table("questions.csv")
    cells = public.table("aggregates.csv")
    if not rows or not cells or not questions:
        return []
    pillars = {f"q_{q['question']}": q["pillar"] for q in questions}
    blocks = sorted({(c["period_start"], c["period_end"]) for c in cells})
    months = {b: block_months(*b) for b in blocks}
    published = {(c["period_start"], c["period_end"], c["call_category"], c["measure"]):
                 (int(c["n"]), float(c["mean"])) for c in cells}  # fmt: skip
    types: dict[tuple, int] = defaultdict(int)  # (period, district, category, language, vector)
    for r in rows:
        vector = tuple((c, int(v) if v != "" else None) for c, v in sorted(r.items())
                       if c.startswith("q_") and v != "")  # fmt: skip
        types[(r["period"], r["district"], r["call_category"], r["language"], vector)] += 1
    # One program per calendar quarter (rows of a month or of the quarter, blocks inside it):
    # the searches stay small, and rows coarsened to a year only add unknowns to every cell.
    found = []
    for quarter in sorted({t[0] for t in types if "-Q" in t[0]}):
        inside = period_months(quarter)
        here = {t: c for t, c in types.items() if period_months(t[0]) <= inside}
        quarter_blocks = [b for b in blocks if months[b] <= inside]
        found += _place(here, quarter_blocks, months, published, pillars, k)
    return found


def _place(types, blocks, months, published, pillars, k) -> list[RecoveredGroup]:
    prob = pulp.LpProblem("rows_to_blocks", pulp.LpMinimize)
    y: dict[tuple, pulp.LpVariable] = {}
    scores = {t: person_scores(dict(t[4]), pillars) for t in types}
    for i, (t, count) in enumerate(types.items()):
        fits = [b for b in blocks if months[b] & period_months(t[0])]
        if not fits:
            continue  # outside every published block: nothing to place it against
        for j, b in enumerate(fits):
            y[(t, b)] = pulp.LpVariable(f"y_{i}_{j}", 0, count, cat="Integer")
        prob += pulp.lpSum(y[(t, b)] for b in fits) == count
    slack = []
    categories = sorted({c for (_, _, c, _) in published})
    for j, b in enumerate(blocks):
        for c, category in enumerate(categories):
            for m, measure in enumerate(MEASURES):
                cell = published.get((*b, category, measure))
                if cell is None:
                    continue
                n, mean = cell
                # Unpublished rows (suppressed, or with the category withheld) fill the rest.
                s = pulp.LpVariable(f"s_{j}_{c}_{m}", 0, n, cat="Integer")
                u = pulp.LpVariable(f"u_{j}_{c}_{m}", 0)
                slack.append(s)
                members = [(t, v) for (t, bb), v in y.items() if bb == b
                           and (not category or t[2] == category)
                           and scores[t][measure] is not None]  # fmt: skip
                prob += pulp.lpSum(v for _, v in members) + s == n
                total = pulp.lpSum(scores[t][measure] * v for t, v in members) + u
                prob += u <= 100 * s
                prob += total >= n * (mean - ROUNDING) - 1e-6
                prob += total <= n * (mean + ROUNDING) + 1e-6
    if not y or not slack:
        return []
    prob += pulp.lpSum(slack)
    if prob.solve(_solver()) != pulp.LpStatusOptimal:
        return []
    prob += pulp.lpSum(slack) <= round(pulp.value(prob.objective) or 0)

    def bounds(expr: pulp.LpAffineExpression) -> tuple[float, float]:
        out = []
        for sense in (pulp.LpMinimize, pulp.LpMaximize):
            prob.sense = sense
            prob.setObjective(expr)
            prob.solve(_solver())
            out.append(round(pulp.value(prob.objective) or 0))
        return out[0], out[1]

    found = []
    classes: dict[tuple, list[tuple]] = defaultdict(list)
    for t in types:
        classes[t[:4]].append(t)
    for (period, district, category, language), members in classes.items():
        for b in blocks:
            if not months[b] & period_months(period) or months[b] >= period_months(period):
                continue  # the class lies in one block: no finer group to find
            part = [y[(t, b)] for t in members if (t, b) in y]
            if not part:
                continue
            low, high = bounds(pulp.lpSum(part))
            if low != high or not 0 < low < k:
                continue
            vectors = []
            for t in members:
                if (t, b) not in y:
                    continue
                t_low, t_high = bounds(y[(t, b)])
                if t_low != t_high:
                    break
                vectors += [t[4]] * int(t_low)
            else:
                found.append(RecoveredGroup(b, category, district, language, tuple(vectors)))
    return found


# --- 2. Differencing across breakdowns (and across blocks) ----------------------------------


@dataclass(frozen=True)
class IsolatedGroup:
    """People the published breakdowns single out: where, how many, and (estimated by
    differencing the window's figures, when the group is what a window hides) their mean trust."""

    description: str
    size: int
    trust: float | None = None
    error: float = 0.0  # how far `trust` may be off, from the rounding of the published figures


def _figures(public: Public) -> tuple[list[dict], list[dict], list[dict]]:
    """The agency's block, window and (when served) per-block cell files."""
    return (public.table("/blocks.csv"), public.table("/scores.csv"),
            public.table("aggregates.csv"))  # fmt: skip


def isolate_by_breakdowns(public: Public, *, k: int) -> list[IsolatedGroup]:
    """Bound, over every data set consistent with the figures, the size of small groups.

    Unknowns: the people with a trust index in each block and kind of contact (N). Facts: each
    block's n; the twelve-month n and the n of each kind of contact, which adds the kind's block
    cells that were shown (each then holding >= k, as the page says); per-block cells when a file
    gives them. Candidates: each block cell, and what the breakdown hides over the window (per
    kind and over every kind). A candidate whose size is the same in every solution and under k
    is an isolated group: the breakdowns single it out.
    """
    blocks, scores, cells = _figures(public)
    block_keys = [(b["block_start"], b["block_end"]) for b in blocks if b["trust_n"]] or sorted(
        {(c["period_start"], c["period_end"]) for c in cells}
    )
    categories = sorted(
        {s["group"] for s in scores if s.get("breakdown") == "call_category"}
        | {c["call_category"] for c in cells if c["call_category"]}
    )
    if not block_keys or not categories:
        return []
    prob = pulp.LpProblem("breakdowns", pulp.LpMinimize)
    big = 1_000_000
    atoms = list(itertools.product(range(len(block_keys)), range(len(categories))))
    N = {a: pulp.LpVariable(f"N_{a[0]}_{a[1]}", 0, big, cat="Integer") for a in atoms}
    index = {b: i for i, b in enumerate(block_keys)}
    every = range(len(categories))
    for b in blocks:
        if b["trust_n"]:
            i = index[(b["block_start"], b["block_end"])]
            prob += pulp.lpSum(N[(i, c)] for c in every) == int(b["trust_n"])
    for c in cells:
        key = (c["period_start"], c["period_end"])
        if c["measure"] == "trust" and key in index:
            i = index[key]
            group = [(i, categories.index(c["call_category"]))] if c["call_category"] else [
                (i, j) for j in every]  # fmt: skip
            prob += pulp.lpSum(N[a] for a in group) == int(c["n"])
    hidden: dict[str, pulp.LpAffineExpression] = {}
    window_total = None
    shown_totals = []

    def blocks_in(first: str, last: str) -> list[int]:
        return [index[b] for b in block_keys if first and first <= b[0] and b[1] <= last]

    trust_rows = [s for s in scores if s["measure"] == "trust"]
    window: list[int] = []
    for s in trust_rows:
        if s["breakdown"] == "all" and s["status"] == "shown":
            window = blocks_in(s["period_start"], s["period_end"])
            prob += pulp.lpSum(N[(i, c)] for i in window for c in every) == int(s["n"])
            window_total = (int(s["n"]), float(s["value"]))
    for s in trust_rows:
        if s["breakdown"] != "call_category" or not window:
            continue
        j = categories.index(s["group"])
        # Blocks where the kind's cell may have been shown: its covered months, else none.
        span = (
            set(blocks_in(s["period_start"], s["period_end"])) if s["status"] == "shown" else set()
        )
        R = {}
        for i in window:
            # R = N when the block's cell was shown (then N >= k), else 0.
            r = pulp.LpVariable(f"r_{i}_{j}", cat="Binary")
            R[i] = pulp.LpVariable(f"R_{i}_{j}", 0)
            prob += N[(i, j)] >= k * r
            prob += R[i] <= N[(i, j)]
            prob += R[i] <= big * r
            prob += R[i] >= N[(i, j)] - big * (1 - r)
            if i not in span:
                prob += r == 0
        prob += pulp.lpSum(R.values()) == (int(s["n"]) if s["status"] == "shown" else 0)
        # What the page says of a kind it does not show: none at all, or fewer than k in the
        # window ("too few"), or k or more but in no single block enough.
        everyone = pulp.lpSum(N[(i, j)] for i in window)
        if s["status"] == "none":
            prob += everyone == 0
        elif s["status"] == "too_few":
            prob += everyone <= k - 1
        elif s["status"] == "not_in_any_block":
            prob += everyone >= k
        if s["status"] == "shown":
            shown_totals.append((int(s["n"]), float(s["value"])))
        hidden[f"hidden {s['group']}"] = pulp.lpSum(N[(i, j)] - R[i] for i in R)
    prob += pulp.lpSum(N.values())
    if prob.solve(_solver()) != pulp.LpStatusOptimal:
        return []
    candidates = {
        f"block {block_keys[i][0]}..{block_keys[i][1]} {categories[j]}": N[(i, j)] for i, j in atoms
    }
    candidates.update(hidden)
    if hidden:
        candidates["hidden, every kind"] = pulp.lpSum(hidden.values())

    def bound(expr: pulp.LpAffineExpression, sense: int) -> int:
        prob.sense = sense
        prob.setObjective(expr)
        prob.solve(_solver())
        return round(pulp.value(prob.objective) or 0)

    found = []
    for name, count in candidates.items():
        high = bound(count, pulp.LpMaximize)
        if not 0 < high < k or bound(count, pulp.LpMinimize) != high:
            continue
        trust = None
        if name == "hidden, every kind" and window_total:
            n, value = window_total
            rest = n * value - sum(m * v for m, v in shown_totals)
            trust = rest / high
        found.append(IsolatedGroup(name, high, trust))
    return found


# --- 3. Differencing across measures ---------------------------------------------------------


@dataclass(frozen=True)
class MeasureDifference:
    """The mean trust of the people who skipped a pillar, recovered from trust vs the pillars."""

    where: str
    size: int
    mean: float
    error: float


def skipped_pillar_trust(public: Public, *, k: int) -> list[MeasureDifference]:
    """Compare a population's trust with its four pillars, as the issue did (12 x (trust - mean)).

    If trust is each person's mean over the pillars they answered, then for people who skipped
    exactly one pillar, trust total - (sum of pillar totals) / 4 = (their trust total) / 4, and
    their number is the sum over pillars of (trust n - pillar n). When the trust figure is the
    mean of the four pillar figures there is nothing to learn, and the attack says nothing.
    """
    found = []
    seen: set[tuple] = set()
    for address, rows in public.tables.items():
        groups: dict[tuple, dict[str, tuple[int, float]]] = defaultdict(dict)
        for r in rows:
            n = r.get("n")
            value = r.get("value", r.get("mean"))
            if r.get("measure") in MEASURES and n and value not in (None, ""):
                key = tuple(r.get(c, "") for c in ("agency", "period_start", "period_end",
                                                   "breakdown", "group", "call_category"))  # fmt: skip
                groups[key][r["measure"]] = (int(n), float(value))
        for key, m in groups.items():
            if not all(p in m for p in ("trust", *PILLARS)):
                continue
            n_t, v_t = m["trust"]
            if abs(v_t - sum(m[p][1] for p in PILLARS) / 4) <= 2 * ROUNDING:
                continue  # the mean of the pillar figures: the same people, nothing to learn
            skipped = sum(n_t - m[p][0] for p in PILLARS)
            if not 0 < skipped < k or any(m[p][0] > n_t for p in PILLARS):
                continue
            residual = n_t * v_t - sum(m[p][0] * m[p][1] for p in PILLARS) / 4
            error = (n_t + sum(m[p][0] for p in PILLARS) / 4) * ROUNDING
            mean = 4 * residual / skipped
            if -1 <= mean <= 101 and key not in seen:
                seen.add(key)
                found.append(MeasureDifference(f"{address} {key}", skipped, mean,
                                               4 * error / skipped))  # fmt: skip
    return found


# --- 4. Differencing over time -------------------------------------------------------------


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    """Addresses whose bytes differ (or that appeared or vanished) between two harvests."""
    return sorted(a for a in before.keys() | after.keys() if before.get(a) != after.get(a))


@dataclass(frozen=True)
class NewResponse:
    where: str
    trust: float
    error: float


def new_response_trust(before: Public, after: Public) -> list[NewResponse]:
    """A block whose n grew by one gives the newcomer's trust: (n+1) x new mean - n x old mean."""
    found = []
    for address, rows in before.tables.items():
        old = {(r.get("agency"), r.get("block_start")): r for r in rows if r.get("trust")}
        for r in after.tables.get(address, []):
            was = old.get((r.get("agency"), r.get("block_start")))
            if not was or not r.get("trust") or int(r["trust_n"]) != int(was["trust_n"]) + 1:
                continue
            n = int(was["trust_n"])
            trust = (n + 1) * float(r["trust"]) - n * float(was["trust"])
            found.append(NewResponse(f"{address} {r['block_start']}", trust,
                                     (2 * n + 1) * ROUNDING))  # fmt: skip
    return found


# --- 2b. Differencing across the staff breakdowns ----------------------------------------------


def staff_remainders(rows: list[dict[str, str]], *, k: int) -> list[IsolatedGroup]:
    """What each breakdown of the staff results leaves over: overall n minus its shown cells.

    Shown cells of a breakdown are disjoint (partitions), so what they leave out of the overall
    figure is a group of its own; if it holds fewer than k people, the staff can work out its
    mean trust by subtraction: (n x trust - sum of the shown cells' n x trust) / remainder.
    """
    overall = next((r for r in rows if r["breakdown"] == "overall"), None)
    if overall is None or not overall.get("trust"):
        return []
    n, trust = int(overall["responses"]), float(overall["trust"])
    found = []
    for name in sorted({r["breakdown"] for r in rows} - {"overall"}):
        cells = [r for r in rows if r["breakdown"] == name and r.get("trust")]
        rest = n - sum(int(c["responses"]) for c in cells)
        if 0 < rest < k:
            total = n * trust - sum(int(c["responses"]) * float(c["trust"]) for c in cells)
            error = 0.05 * (n + sum(int(c["responses"]) for c in cells)) / rest  # 1 decimal
            found.append(IsolatedGroup(f"staff results: not in any shown {name}", rest,
                                       total / rest, error))  # fmt: skip
    return found
