import datetime as dt
from unittest import mock

import pytest
from django.db import IntegrityError, connection

from feedback.codes import normalize_code
from feedback.models import Answer, AnswerRollup, Feedback, FeedbackCode, ScoreRollup
from feedback.moderation import comments_release
from feedback.services import CodeRefused, code_check, feedback_submit
from surveys.models import Survey
from tests.factories import AgencyFactory, CodeBatchFactory, FeedbackCodeFactory

from .conftest import CODE

pytestmark = pytest.mark.django_db
PLAIN = normalize_code(CODE)


def answers(value: int | None = 4) -> dict[int, int | None]:
    return {q.pk: value for q in Survey.objects.current().questions.all()}


def submit(**kwargs):
    args = {"code": PLAIN, "survey": Survey.objects.current(), "answers": answers()} | kwargs
    return feedback_submit(**args)


def test_code_check_describes_the_contact_coarsely(code) -> None:
    contact = code_check(code=PLAIN)
    assert contact.code == code
    assert contact.category == "traffic_stop"
    assert contact.month == dt.date(2026, 10, 1)
    assert contact.verified is True


def test_blank_card_codes_are_unverified_other_contacts_of_this_month(agency) -> None:
    batch = CodeBatchFactory(agency=agency)
    FeedbackCodeFactory(code=CODE, agency=agency, batch=batch)
    contact = code_check(code=PLAIN, today=dt.date(2026, 11, 22))
    assert (contact.category, contact.month, contact.verified) == (
        "other",
        dt.date(2026, 11, 1),
        False,
    )


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("none", CodeRefused.UNKNOWN),
        ("expired", CodeRefused.EXPIRED),
        ("used", CodeRefused.USED),
        ("unpublished", CodeRefused.UNPUBLISHED),
    ],
)
def test_code_check_refuses_with_a_specific_reason(setup, reason) -> None:
    agency = AgencyFactory(published=setup != "unpublished")
    if setup != "none":
        FeedbackCodeFactory(
            code=CODE,
            agency=agency,
            redeemed=setup == "used",
            expires_on=dt.date.today() - dt.timedelta(days=1 if setup == "expired" else -30),
        )
    with pytest.raises(CodeRefused) as exc:
        code_check(code=PLAIN)
    assert exc.value.reason == reason


def test_submit_redeems_the_code_and_stores_coarse_feedback(
    code, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        feedback = submit(
            comment="  Kind and quick.  ",
            publish_consent=True,
            demographics={"age_band": "25_44", "gender": "prefer_not"},
            language="es",
            today=dt.date(2026, 10, 9),
        )
    code.refresh_from_db()
    assert code.redeemed is True
    assert feedback.agency == code.agency
    assert feedback.category == "traffic_stop"
    assert feedback.interaction_month == dt.date(2026, 10, 1)
    assert feedback.submitted_on == dt.date(2026, 10, 9)
    assert feedback.district.name == "North"
    assert feedback.verified is True and feedback.language == "es"
    assert feedback.comment == "Kind and quick."
    assert feedback.moderation_state == Feedback.Moderation.PENDING
    assert (feedback.age_band, feedback.race_ethnicity, feedback.gender) == (
        "25_44",
        "",
        "prefer_not",
    )
    assert list(feedback.officers.all()) == list(code.service_call.officers.all())
    assert feedback.answers.count() == Survey.objects.current().questions.count()
    assert (
        AnswerRollup.objects.filter(agency=code.agency, value=4).count() == feedback.answers.count()
    )
    assert ScoreRollup.objects.get(agency=code.agency, measure="trust").responses == 1
    # No submission changes a public page (PRIVACY.md rule 9); on PostgreSQL the codes are
    # restamped after the commit (tests/feedback/test_concurrency_pg.py).
    assert len(callbacks) == (1 if connection.vendor == "postgresql" else 0)


def test_no_submission_invalidates_the_agency_pages_the_daily_batch_does(
    agency, django_capture_on_commit_callbacks
) -> None:
    FeedbackCodeFactory(code=CODE, agency=agency)
    FeedbackCodeFactory(code="0000-0000-0000-1", agency=agency)
    FeedbackCodeFactory(code="0000-0000-0000-2", agency=agency)
    with mock.patch("feedback.moderation.agency_data_changed") as changed:
        with django_capture_on_commit_callbacks(execute=True):
            submit(comment="")
            submit(code="0000000000001", comment="Only for you", publish_consent=False)
            submit(code="0000000000002", comment="Publish this", publish_consent=True)
        changed.assert_not_called()
        with django_capture_on_commit_callbacks(execute=True):
            comments_release(include_today=True)
        changed.assert_called_once_with(agency.pk)


def test_comment_without_consent_stays_private_and_no_comment_means_none(agency) -> None:
    FeedbackCodeFactory(code=CODE, agency=agency)
    FeedbackCodeFactory(code="0000-0000-0000-1", agency=agency)
    private = submit(comment="Only for you", publish_consent=False)
    empty = feedback_submit(
        code="0000000000001",
        survey=Survey.objects.current(),
        answers=answers(),
        publish_consent=True,
    )
    assert private.moderation_state == Feedback.Moderation.PRIVATE and not private.publish_consent
    assert empty.moderation_state == Feedback.Moderation.NO_COMMENT and not empty.publish_consent


def test_doesnt_apply_is_stored_as_null(code) -> None:
    feedback = submit(answers=answers(None))
    assert set(feedback.answers.values_list("value", flat=True)) == {None}


def test_a_used_code_cannot_submit_twice(code) -> None:
    submit()
    with pytest.raises(CodeRefused) as exc:
        submit()
    assert exc.value.reason == CodeRefused.USED
    assert exc.value.agency_id == code.agency_id
    assert Feedback.objects.count() == 1


def test_failure_after_the_claim_rolls_back_and_the_code_still_works(code) -> None:
    with (
        mock.patch("feedback.services.rollups_add", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        submit()
    code.refresh_from_db()
    assert code.redeemed is False
    assert Feedback.objects.count() == 0 and Answer.objects.count() == 0
    submit()  # the person can simply try again
    assert Feedback.objects.count() == 1


def test_claim_is_conditional_even_if_the_row_was_read_before_it_changed(code) -> None:
    """Simulate a competitor redeeming between our read and our claim."""
    real_check = code_check

    def check_then_competitor_wins(**kwargs):
        contact = real_check(**kwargs)
        FeedbackCode.objects.filter(pk=code.pk).update(redeemed=True)
        return contact

    with (
        mock.patch("feedback.services.code_check", side_effect=check_then_competitor_wins),
        pytest.raises(CodeRefused) as exc,
    ):
        submit()
    assert exc.value.reason == CodeRefused.USED
    assert Feedback.objects.count() == 0


def test_a_contact_checked_moments_before_is_not_read_again_but_the_claim_still_guards(
    agency,
) -> None:
    FeedbackCodeFactory(code=CODE, agency=agency)
    FeedbackCodeFactory(code="0000-0000-0000-1", agency=agency)
    contact = code_check(code=PLAIN)
    FeedbackCode.objects.filter(pk=contact.code.pk).update(redeemed=True)  # used meanwhile
    with pytest.raises(CodeRefused) as refused:
        submit(contact=contact)
    assert refused.value.reason == CodeRefused.USED
    assert Feedback.objects.count() == 0
    # A contact for another code is never trusted: that code is looked up and used.
    other = submit(code="0000000000001", contact=contact)
    assert other.agency == agency
    assert FeedbackCode.objects.filter(redeemed=True).count() == 2
