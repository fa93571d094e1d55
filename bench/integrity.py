"""Database checks shared by the soak and fault scripts (plain SQL on the bench database)."""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from bench import harness as h


@dataclass
class Counts:
    feedback: int
    redeemed: int


def counts() -> Counts:
    row = h.bench_sql(
        "SELECT (SELECT count(*) FROM feedback_feedback),"
        " (SELECT count(*) FROM feedback_feedbackcode WHERE redeemed)"
    )[0]
    return Counts(*row)


def synthetic_slugs(limit: int) -> list[str]:
    rows = h.bench_sql(
        "SELECT slug FROM agencies_agency WHERE slug LIKE 'scale-%%' ORDER BY slug LIMIT %s",
        [limit],
    )
    return [r[0] for r in rows]


def digest(code: str) -> str:
    """The stored digest of a printed code (same normalisation and key as feedback.codes)."""
    canonical = code.upper().replace("-", "").replace(" ", "")
    return hmac.new(h.CODE_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def redeemed(codes: list[str]) -> set[str]:
    digests = {digest(c): c for c in codes}
    rows = h.bench_sql(
        "SELECT digest FROM feedback_feedbackcode WHERE redeemed AND digest = ANY(%s)",
        [list(digests)],
    )
    return {digests[r[0]] for r in rows}


Rollups = dict[tuple, tuple]


def snapshot_rollups() -> tuple[Rollups, Rollups]:
    answers = {
        tuple(r[:5]): (r[5],)
        for r in h.bench_sql(
            "SELECT agency_id, month, category, question_id, value, count"
            " FROM feedback_answerrollup WHERE count > 0"
        )
    }
    scores = {
        tuple(r[:4]): tuple(r[4:])
        for r in h.bench_sql(
            "SELECT agency_id, month, category, measure, responses, n, total, total_sq"
            " FROM feedback_scorerollup WHERE responses > 0"
        )
    }
    return answers, scores


def compare_rollups(a: tuple[Rollups, Rollups], b: tuple[Rollups, Rollups]) -> list[str]:
    """Differences between two snapshots: counts exact, float sums to 1e-9 relative."""
    diffs = []
    for kind, left, right in (("answer", a[0], b[0]), ("score", a[1], b[1])):
        for key in left.keys() | right.keys():
            x, y = left.get(key), right.get(key)
            if x is None or y is None or len(x) != len(y):
                diffs.append(f"{kind} {key}: {x} != {y}")
                continue
            for u, v in zip(x, y, strict=True):
                same = (
                    math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-6)
                    if isinstance(u, float) or isinstance(v, float)
                    else u == v
                )
                if not same:
                    diffs.append(f"{kind} {key}: {x} != {y}")
                    break
    return diffs
