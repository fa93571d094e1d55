"""Query budgets on the staff change lists: no N+1 however many rows."""

import pytest
from django.urls import reverse

from agencies.models import Membership
from feedback.models import ModerationDecision, PublicResponse
from tests.factories import (
    AgencyFactory,
    CodeBatchFactory,
    CommentFactory,
    DistrictFactory,
    MembershipFactory,
    OfficerFactory,
    ServiceCallFactory,
    StaffUserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    agency = AgencyFactory()
    district = DistrictFactory(agency=agency)
    for i in range(25):
        ServiceCallFactory(agency=agency, district=district)
        comment = CommentFactory(agency=agency, moderation_state="published", published_text="x")
        ModerationDecision.objects.create(feedback=comment, action="publish", text="x")
        PublicResponse.objects.create(
            feedback=comment, body=f"reply {i}", published_on="2026-11-01"
        )
        CommentFactory(agency=agency)
        CodeBatchFactory(agency=agency, district=district)
        OfficerFactory(agency=agency)
        MembershipFactory(agency=agency, role=Membership.Role.ANALYST, user=StaffUserFactory())
    return agency


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Membership.Role.MODERATOR, "admin:feedback_feedback_changelist"),
        (Membership.Role.MODERATOR, "admin:feedback_servicecall_changelist"),
        (Membership.Role.MODERATOR, "admin:feedback_codebatch_changelist"),
        (Membership.Role.MODERATOR, "admin:feedback_publicresponse_changelist"),
        (Membership.Role.ADMIN, "admin:feedback_moderationdecision_changelist"),
        (Membership.Role.ADMIN, "admin:agencies_officer_changelist"),
        (Membership.Role.ADMIN, "admin:agencies_membership_changelist"),
    ],
)
def test_change_lists_have_a_fixed_query_budget(
    client, agency, role, url, django_assert_max_num_queries
):
    client.force_login(staff_user(agency, role))
    target = reverse(url) + ("?state=published" if "feedback_feedback" in url else "")

    with django_assert_max_num_queries(20):
        response = client.get(target)

    assert response.status_code == 200
