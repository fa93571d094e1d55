"""The moderation rollup (comments by state and reason) stays equal to a recount of the comments."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from feedback.models import Feedback, ModerationDecision, ModerationRollup
from feedback.moderation import comments_release, moderation_decide
from feedback.rollups import rollups_rebuild
from feedback.services import feedback_submit
from surveys.models import Survey
from tests.factories import AgencyFactory, FeedbackCodeFactory, staff_user

pytestmark = pytest.mark.django_db

Action = ModerationDecision.Action


def cells() -> dict[tuple[int, str, str], int]:
    return {
        (agency, state, reason): count
        for agency, state, reason, count in ModerationRollup.objects.values_list(
            "agency", "state", "reason", "count"
        )
        if count
    }


def recount() -> dict[tuple[int, str, str], int]:
    rollups_rebuild()
    return cells()


def submit(agency, n: int, **kwargs) -> Feedback:
    code = f"0000-0000-{n:04d}-0"
    FeedbackCodeFactory(code=code, agency=agency)
    survey = Survey.objects.current()
    answers = {q.pk: 4 for q in survey.questions.all()}
    return feedback_submit(code=code.replace("-", ""), survey=survey, answers=answers, **kwargs)


def test_submissions_and_every_moderation_decision_keep_the_rollup_equal_to_a_recount() -> None:
    agency, other = AgencyFactory(), AgencyFactory()
    moderator = staff_user(agency, "moderator")
    offered = [submit(agency, i, comment=f"Comment {i}", publish_consent=True) for i in range(6)]
    submit(agency, 10, comment="Only for the agency", publish_consent=False)  # private
    submit(agency, 11)  # no comment
    submit(other, 12, comment="Elsewhere", publish_consent=True)
    # Comments count as awaiting review from the daily batch that delivers them, not before.
    assert cells() == {}
    assert recount() == {}
    comments_release(include_today=True)
    assert cells() == {(agency.pk, "pending", ""): 6, (other.pk, "pending", ""): 1}
    assert recount() == cells()

    def decide(feedback: Feedback, action: str, **kwargs: str) -> None:
        moderation_decide(feedback=feedback, moderator=moderator, action=action, **kwargs)

    decide(offered[0], Action.PUBLISH, text="Fine.")
    decide(offered[1], Action.PUBLISH, text="Good.")
    decide(offered[2], Action.WITHHOLD, reason="spam")
    decide(offered[3], Action.WITHHOLD, reason="threat")
    decide(offered[4], Action.FLAG)
    # Decisions again on moderated comments: withdraw a published one, change a withheld one's
    # reason, publish an edited text of a published one (the same cell).
    decide(offered[0], Action.WITHHOLD, reason="spam")
    decide(offered[3], Action.WITHHOLD, reason="hate")
    decide(offered[1], Action.PUBLISH, text="Good!")

    incremental = cells()
    assert incremental == {
        (agency.pk, "pending", ""): 1,
        (agency.pk, "published", ""): 1,
        (agency.pk, "withheld", "spam"): 2,
        (agency.pk, "withheld", "hate"): 1,
        (agency.pk, "sensitive", ""): 1,
        (other.pk, "pending", ""): 1,
    }
    assert recount() == incremental


def test_rebuild_repairs_a_wrong_rollup_and_drops_cells_with_no_comments() -> None:
    agency = AgencyFactory()
    submit(agency, 1, comment="Hello", publish_consent=True)
    comments_release(include_today=True)
    ModerationRollup.objects.filter(agency=agency).update(count=5)
    ModerationRollup.objects.create(agency=agency, state="published", reason="", count=3)
    assert recount() == {(agency.pk, "pending", ""): 1}
    assert ModerationRollup.objects.count() == 1


def test_a_comment_submitted_today_waits_for_tomorrows_batch_and_a_second_run_adds_nothing() -> (
    None
):
    agency = AgencyFactory()
    waiting = submit(agency, 1, comment="Written today", publish_consent=True)
    released = comments_release()
    assert released.comments == {} and cells() == {}
    with pytest.raises(ValidationError):
        moderation_decide(
            feedback=waiting, moderator=staff_user(agency, "moderator"), action=Action.FLAG
        )
    tomorrow = waiting.submitted_on + dt.timedelta(days=1)
    assert comments_release(today=tomorrow).comments == {agency.pk: 1}
    assert comments_release(today=tomorrow).comments == {}
    assert cells() == {(agency.pk, "pending", ""): 1}
