"""Rollups (what pages read) equal a recomputation from the stored answers; the rebuild command."""

from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command

from agencies.models import Agency
from feedback.models import Answer, AnswerRollup, Feedback, ScoreRollup
from surveys.scoring import person_scores

pytestmark = pytest.mark.django_db


def recompute(agency):
    """Rollup cells computed straight from Feedback and Answer rows, without feedback.rollups."""
    meta = {
        f.pk: (f.interaction_month, f.category)
        for f in Feedback.objects.filter(agency=agency).only("interaction_month", "category")
    }
    by_feedback = defaultdict(list)
    answer_cells = defaultdict(int)
    for feedback_id, question_id, pillar, value in Answer.objects.filter(
        feedback__agency=agency
    ).values_list("feedback_id", "question_id", "question__pillar", "value"):
        by_feedback[feedback_id].append((pillar, value))
        answer_cells[(*meta[feedback_id], question_id, value or 0)] += 1
    score_cells = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for feedback_id, cell in meta.items():
        values = defaultdict(list)
        for pillar, value in by_feedback[feedback_id]:
            values[pillar].append(value)
        for measure, score in person_scores(values).items():
            acc = score_cells[(*cell, measure)]
            acc[0] += 1
            if score is not None:
                acc[1] += 1
                acc[2] += score
                acc[3] += score * score
    return dict(answer_cells), {k: tuple(v) for k, v in score_cells.items()}


def stored(agency):
    answers = {
        (r.month, r.category, r.question_id, r.value): r.count
        for r in AnswerRollup.objects.filter(agency=agency)
    }
    scores = {
        (r.month, r.category, r.measure): (r.responses, r.n, r.total, r.total_sq)
        for r in ScoreRollup.objects.filter(agency=agency)
    }
    return answers, scores


def assert_equal(agency):
    expected_answers, expected_scores = recompute(agency)
    answers, scores = stored(agency)
    assert answers == expected_answers
    assert scores.keys() == expected_scores.keys()
    for key, (responses, n, total, total_sq) in scores.items():
        e = expected_scores[key]
        assert (responses, n) == e[:2]
        assert total == pytest.approx(e[2]) and total_sq == pytest.approx(e[3])


def test_trustville_rollups_equal_a_recomputation_from_the_answers(trustville):
    assert Feedback.objects.filter(agency=trustville).count() > 300
    assert_equal(trustville)


def test_rebuild_rollups_command_repairs_damage_and_reports_progress(trustville):
    ScoreRollup.objects.filter(agency=trustville, measure="trust").update(n=0, total=0)
    AnswerRollup.objects.filter(agency=trustville).first().delete()
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert_equal(trustville)
    agencies = Agency.objects.count()  # Trustville and its sample peers
    assert f"[1/{agencies}] trustville:" in out.getvalue()
    assert f"Rebuilt rollups of {agencies} agencies" in out.getvalue()
    before = stored(trustville)
    call_command("rebuild_rollups", "--agency", "trustville", stdout=StringIO())
    assert stored(trustville) == before  # idempotent
