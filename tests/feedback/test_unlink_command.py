import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from feedback.models import FeedbackCode
from feedback.services import RESTAMP_GROUP, RESTAMP_SPAN, UNLINK_MARGIN_DAYS, codes_restamp
from tests.factories import AgencyFactory, FeedbackCodeFactory

pytestmark = pytest.mark.django_db


def restamped(**kwargs) -> set[int]:
    """The ids codes_restamp rewrites, read from the UPDATE it issues (a count alone hides which)."""
    from unittest import mock

    seen: set[int] = set()
    real_update = FeedbackCode.objects.none().__class__.update

    def spy(queryset, **values):  # noqa: ANN001, ANN202
        seen.update(queryset.values_list("pk", flat=True))
        return real_update(queryset, **values)

    with mock.patch.object(FeedbackCode.objects.none().__class__, "update", spy):
        assert codes_restamp(**kwargs) == len(seen)
    return seen


def test_feedback_unlink_rewrites_redeemed_codes_that_were_valid_lately(agency) -> None:
    today = timezone.localdate()
    FeedbackCodeFactory(agency=agency, redeemed=True, expires_on=today)
    FeedbackCodeFactory(agency=agency, redeemed=True, expires_on=today - dt.timedelta(days=3))
    FeedbackCodeFactory(agency=agency, redeemed=False, expires_on=today)
    # Expired before the margin: it was already rewritten by an earlier night's run.
    FeedbackCodeFactory(
        agency=agency, redeemed=True, expires_on=today - dt.timedelta(days=UNLINK_MARGIN_DAYS + 1)
    )
    out = io.StringIO()
    call_command("feedback_unlink", stdout=out)
    assert "Restamped 2 redeemed codes." in out.getvalue()
    out = io.StringIO()
    call_command("feedback_unlink", "--all", stdout=out)
    assert "Restamped 3 redeemed codes." in out.getvalue()


def test_a_submission_restamps_its_code_with_the_nearest_redeemed_codes_of_its_agency(
    agency,
) -> None:
    other = AgencyFactory()
    codes = [
        FeedbackCodeFactory(agency=agency, redeemed=True) for _ in range(2 * RESTAMP_GROUP + 3)
    ]
    claimed = codes[RESTAMP_GROUP + 1]
    unused = FeedbackCodeFactory(agency=agency, redeemed=False)
    foreign = FeedbackCodeFactory(agency=other, redeemed=True)
    # Move the unused and the other agency's code into the middle of the run.
    FeedbackCode.objects.filter(pk=unused.pk).update(id=claimed.pk * 10 + 1)
    FeedbackCode.objects.filter(pk=foreign.pk).update(id=claimed.pk * 10 + 2)
    # Spread ids out (the highest first, so no id is taken twice) so that the unused and the
    # foreign code sit right beside the claimed one.
    for code in sorted(codes, key=lambda c: -c.pk):
        FeedbackCode.objects.filter(pk=code.pk).update(id=code.pk * 10)
    ids = sorted(code.pk * 10 for code in codes)
    middle = claimed.pk * 10
    group = restamped(agency_id=agency.pk, around=middle)
    i = ids.index(middle)
    # The claimed code, RESTAMP_GROUP redeemed codes of its agency on each side, nothing else.
    assert group == set(ids[i - RESTAMP_GROUP : i + RESTAMP_GROUP + 1])
    assert len(group) == 2 * RESTAMP_GROUP + 1
    assert claimed.pk * 10 + 1 not in group and claimed.pk * 10 + 2 not in group


def test_the_restamp_looks_no_further_than_its_span(agency) -> None:
    near = FeedbackCodeFactory(agency=agency, redeemed=True)
    far = FeedbackCodeFactory(agency=agency, redeemed=True)
    FeedbackCode.objects.filter(pk=far.pk).update(id=near.pk + RESTAMP_SPAN + 1)
    assert restamped(agency_id=agency.pk, around=near.pk) == {near.pk}
    assert codes_restamp(agency_id=agency.pk) == 2
