"""Smoke tests of `manage.py seed_scale` on a tiny data set (the benchmark itself never runs here)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from agencies.models import Agency
from feedback.codes import code_digest, normalize_code
from feedback.models import Answer, AnswerRollup, Feedback, FeedbackCode, ScoreRollup
from feedback.rollups import rollups_rebuild
from feedback.synthetic import spread, synthetic_clear

pytestmark = pytest.mark.django_db

ARGS = ["--agencies", "6", "--feedback", "300", "--seed", "5", "--focus", "120,40"]
ARGS += ["--end-month", "2026-09"]


def _seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seed_scale", *ARGS, *extra, stdout=out)
    return out.getvalue()


def _fingerprint() -> list[tuple]:
    """Everything seeded, without database keys (which differ between runs)."""
    rows = Feedback.objects.order_by("id").values_list(
        "agency__slug", "category", "interaction_month", "submitted_on", "language", "comment",
        "moderation_state", "age_band",
    )  # fmt: skip
    answers = Answer.objects.order_by("feedback_id", "question__order").values_list(
        "question__code", "value"
    )
    return [*rows, *answers]


def test_seeds_agencies_feedback_answers_codes_and_rollups() -> None:
    assert "seeded 6 agencies, 300 feedback rows" in _seed()
    agencies = Agency.objects.filter(slug__startswith="scale-").order_by("slug")
    assert agencies.count() == 6 and all(a.published and not a.is_demo for a in agencies)
    assert [a.feedback.count() for a in agencies[:2]] == [120, 40]
    assert Feedback.objects.count() == 300
    assert Answer.objects.count() > 300 * 8  # ten items, a few skipped
    assert FeedbackCode.objects.filter(redeemed=True).count() == 300
    assert FeedbackCode.objects.filter(redeemed=False).count() == 150
    months = set(Feedback.objects.values_list("interaction_month", flat=True))
    assert max(months).isoformat() == "2026-09-01" and len(months) > 12
    assert Feedback.objects.filter(moderation_state="published").exists()


def test_rollups_built_at_the_end_equal_a_recomputation() -> None:
    _seed()

    def snapshot() -> tuple[list, list]:
        return (
            sorted(
                AnswerRollup.objects.values_list(
                    "agency", "month", "category", "question", "value", "count"
                )
            ),  # fmt: skip
            sorted(
                ScoreRollup.objects.values_list(
                    "agency", "month", "category", "measure", "responses", "n", "total", "total_sq"
                )
            ),  # fmt: skip
        )

    seeded = snapshot()
    assert sum(r[-1] for r in seeded[0]) == Answer.objects.count()
    rollups_rebuild()
    assert snapshot() == seeded


def test_same_seed_gives_the_same_data_and_a_rerun_changes_nothing() -> None:
    _seed()
    first = _fingerprint()
    assert "already seeded" in _seed()
    assert _fingerprint() == first
    synthetic_clear()
    assert not Feedback.objects.exists() and not Agency.objects.exists()
    _seed()
    assert _fingerprint() == first


def test_fresh_codes_are_written_once_and_work(tmp_path) -> None:
    _seed()
    path = tmp_path / "codes.txt"
    call_command(
        "seed_scale", "--fresh-codes", "25", "--codes-file", str(path), stdout=io.StringIO()
    )
    codes = path.read_text().split()
    assert len(codes) == len(set(codes)) == 25
    digests = [code_digest(normalize_code(c)) for c in codes]
    found = FeedbackCode.objects.filter(digest__in=digests, redeemed=False)
    assert found.count() == 25
    # Never for the two agencies whose pages the benchmark compares.
    assert not found.filter(agency__slug__in=["scale-00001", "scale-00002"]).exists()


def test_spread_gives_focus_agencies_their_rows_and_shares_the_rest() -> None:
    import random

    counts = spread(1000, 5, [500, 100], random.Random(1))
    assert counts[:2] == [500, 100] and sum(counts) == 1000 and all(c > 0 for c in counts)
    with pytest.raises(ValueError):
        spread(100, 1, [50, 50], random.Random(1))
