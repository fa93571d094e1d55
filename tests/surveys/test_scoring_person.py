import pytest

from surveys.scoring import item_score, person_scores


@pytest.mark.parametrize(("value", "score"), [(1, 0), (2, 25), (3, 50), (4, 75), (5, 100)])
def test_item_score_maps_answers_to_0_100(value: int, score: float) -> None:
    assert item_score(value) == score


def test_item_score_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        item_score(0)


def test_person_scores_exclude_doesnt_apply_and_average_pillars() -> None:
    scores = person_scores(
        {
            "voice": [5, None],  # 100; "doesn't apply" excluded, not zero
            "respect": [4, 2],  # 50
            "neutrality": [None, None],  # nothing applies
            "motives": [3, 3],  # 50
            "outcome": [1],  # 0
        }
    )
    assert scores["voice"] == 100
    assert scores["respect"] == 50
    assert scores["neutrality"] is None
    assert scores["outcome"] == 0
    # trust: mean of the pillars the person answered (100 + 50 + 50) / 3
    assert scores["trust"] == pytest.approx(200 / 3)
