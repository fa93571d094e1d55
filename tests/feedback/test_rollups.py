import pytest

from feedback.models import Answer, AnswerRollup, ScoreRollup
from feedback.rollups import rollups_add, rollups_rebuild
from tests.factories import AgencyFactory, feedback_with_answers

pytestmark = pytest.mark.django_db


def test_rollups_add_counts_each_answer_and_person_scores() -> None:
    agency = AgencyFactory()
    fb = feedback_with_answers(agency=agency, values={"voice_listened": 5, "voice_explain": None})
    rollups_add(
        feedback=fb, answers=list(Answer.objects.filter(feedback=fb).select_related("question"))
    )
    assert AnswerRollup.objects.get(question__code="voice_listened", value=5).count == 1
    assert AnswerRollup.objects.get(question__code="voice_explain", value=0).count == 1
    voice = ScoreRollup.objects.get(measure="voice")
    assert (voice.responses, voice.n, voice.total, voice.total_sq) == (1, 1, 100.0, 10000.0)


def test_incremental_rollups_equal_a_rebuild() -> None:
    agency = AgencyFactory()
    for values in ({}, {"respect_dignity": 1}, {"motives_cared": None, "outcome_satisfied": 5}):
        fb = feedback_with_answers(agency=agency, values=values)
        rollups_add(feedback=fb, answers=list(fb.answers.select_related("question")))
    incremental = sorted(
        ScoreRollup.objects.values_list("measure", "responses", "n", "total", "total_sq")
    )
    counts = sorted(AnswerRollup.objects.values_list("question_id", "value", "count"))
    assert rollups_rebuild(agency=agency) == 3
    assert (
        sorted(ScoreRollup.objects.values_list("measure", "responses", "n", "total", "total_sq"))
        == incremental
    )
    assert sorted(AnswerRollup.objects.values_list("question_id", "value", "count")) == counts
