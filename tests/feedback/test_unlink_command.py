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
