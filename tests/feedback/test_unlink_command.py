import io

import pytest
from django.core.management import call_command

from feedback.models import FeedbackCode
from tests.factories import FeedbackCodeFactory

pytestmark = pytest.mark.django_db


def test_feedback_unlink_rewrites_only_redeemed_codes(agency) -> None:
    FeedbackCodeFactory(agency=agency, redeemed=True)
    FeedbackCodeFactory(agency=agency, redeemed=True)
    FeedbackCodeFactory(agency=agency, redeemed=False)
    out = io.StringIO()
    call_command("feedback_unlink", stdout=out)
    assert "Restamped 2 redeemed codes." in out.getvalue()
    assert FeedbackCode.objects.filter(redeemed=True).count() == 2


def test_restamp_after_a_submission_is_bounded_to_the_codes_printed_nearby(agency) -> None:
    from feedback.services import RESTAMP_WINDOW, codes_restamp

    near = FeedbackCodeFactory(agency=agency, redeemed=True)
    far = FeedbackCodeFactory(agency=agency, redeemed=True)
    FeedbackCode.objects.filter(pk=far.pk).update(id=near.pk + RESTAMP_WINDOW + 10)
    assert codes_restamp(agency_id=agency.pk, around=near.pk) == 1
    assert codes_restamp(agency_id=agency.pk) == 2
