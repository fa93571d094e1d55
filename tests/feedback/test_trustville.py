import datetime as dt

import pytest
from django.core.management import call_command

from agencies.models import Agency
from feedback.demo import DemoSpec, trustville_fixture_json
from feedback.models import AnswerRollup, Feedback, ModerationRollup, PublicResponse, ScoreRollup
from feedback.rollups import rollups_rebuild

pytestmark = pytest.mark.django_db


def _rollup_snapshot() -> tuple[set, set, set]:
    answers = set(
        AnswerRollup.objects.values_list(
            "agency", "month", "category", "question", "value", "count"
        )
    )
    scores = {
        (a, m, c, ms, r, n, round(t, 6), round(s, 4))
        for a, m, c, ms, r, n, t, s in ScoreRollup.objects.values_list(
            "agency", "month", "category", "measure", "responses", "n", "total", "total_sq"
        )
    }
    moderation = set(ModerationRollup.objects.values_list("agency", "state", "reason", "count"))
    return answers, scores, moderation


def test_fixture_loads_into_an_empty_database_with_a_year_of_results() -> None:
    assert not Agency.objects.exists()
    call_command("loaddata", "trustville", verbosity=0)
    agency = Agency.objects.get(slug="trustville")
    assert agency.published and agency.is_demo
    feedback = Feedback.objects.filter(agency=agency)
    assert feedback.count() >= 300
    months = set(feedback.values_list("interaction_month", flat=True))
    assert len(months) == 12
    assert feedback.filter(moderation_state=Feedback.Moderation.PUBLISHED).count() >= 20
    assert PublicResponse.objects.filter(feedback__agency=agency).exists()
    assert agency.policies.filter(kind="use_of_force").exists()
    assert agency.policies.filter(kind="duty_to_intervene").exists()


def test_fixture_rollups_equal_a_recomputation_from_the_answers(trustville) -> None:
    loaded = _rollup_snapshot()
    rollups_rebuild()
    assert _rollup_snapshot() == loaded
    assert loaded[0] and loaded[2]


def test_fixture_scores_differ_by_pillar_and_category(trustville) -> None:
    by_measure: dict[str, list[float]] = {}
    for row in ScoreRollup.objects.all():
        by_measure.setdefault(row.measure, [0, 0])
        by_measure[row.measure][0] += row.total
        by_measure[row.measure][1] += row.n
    means = {m: t / n for m, (t, n) in by_measure.items()}
    assert means["respect"] - means["motives"] > 5
    traffic = ScoreRollup.objects.filter(measure="trust", category="traffic_stop")
    welfare = ScoreRollup.objects.filter(measure="trust", category="welfare_check")
    mean = lambda qs: sum(r.total for r in qs) / sum(r.n for r in qs)  # noqa: E731
    assert mean(welfare) > mean(traffic)


def test_generator_is_deterministic_and_matches_the_committed_fixture(settings) -> None:
    from pathlib import Path

    # The committed file was generated in another process and database: equality proves both
    # determinism and that nobody edited the JSON by hand.
    first = trustville_fixture_json(DemoSpec())
    committed = (Path(settings.BASE_DIR) / "fixtures" / "trustville.json").read_text()
    assert first == committed, "fixtures/trustville.json was edited by hand: run make_trustville"


def test_generator_refuses_a_database_that_has_agencies(trustville) -> None:
    with pytest.raises(RuntimeError):
        trustville_fixture_json(DemoSpec(end_month=dt.date(2026, 10, 1)))
