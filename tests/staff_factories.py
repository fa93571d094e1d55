"""Factories for the staff workspace tests (to move into tests/factories.py with the foundation)."""

import datetime as dt
import functools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from agencies.models import (
    Accreditation,
    Agency,
    AgencyInterest,
    District,
    Membership,
    Officer,
    Policy,
    Subscriber,
)
from feedback.models import (
    Category,
    CodeBatch,
    Feedback,
    ModerationDecision,
    PublicResponse,
    ServiceCall,
)
from surveys.models import Survey

PASSWORD = "correct-horse-battery-9"


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n} Police Department")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    city = "Springfield"
    state = "CA"
    published = True


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"District {n}")


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    agency = factory.SubFactory(AgencyFactory)
    badge_number = factory.Sequence(lambda n: f"{1000 + n}")
    display_name = factory.Sequence(lambda n: f"Officer Number {n}")


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    agency = factory.SubFactory(AgencyFactory)
    kind = Policy.Kind.USE_OF_FORCE
    title = factory.Sequence(lambda n: f"Policy {n}")


class AccreditationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accreditation

    agency = factory.SubFactory(AgencyFactory)
    body = factory.Sequence(lambda n: f"Accrediting body {n}")
    status = Accreditation.Status.ACCREDITED


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # One hash for every test user: hashing per user would cost ~0.5 s each.
    password = factory.LazyFunction(lambda: _password_hash())


class StaffUserFactory(UserFactory):
    is_staff = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(StaffUserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Membership.Role.MODERATOR


def staff_user(agency: Agency, role: str, **kwargs):
    """A staff user with one membership in `agency`."""
    return MembershipFactory(agency=agency, role=role, **kwargs).user


class AgencyInterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyInterest

    agency_name = factory.Sequence(lambda n: f"Interested agency {n}")
    state = "CA"
    contact_name = "Chief Example"
    contact_email = "chief@example.org"
    contact_role = "Chief"


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"subscriber{n}@example.org")


class ServiceCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCall

    agency = factory.SubFactory(AgencyFactory)
    reference = factory.Sequence(lambda n: f"CAD-{n:05d}")
    category = Category.TRAFFIC_STOP
    occurred_on = dt.date(2026, 10, 5)


class CodeBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeBatch

    agency = factory.SubFactory(AgencyFactory)
    kind = CodeBatch.Kind.BLANK
    size = 20


class FeedbackFactory(factory.django.DjangoModelFactory):
    """A feedback row; by default a comment awaiting moderation."""

    class Meta:
        model = Feedback

    agency = factory.SubFactory(AgencyFactory)
    survey = factory.LazyFunction(lambda: Survey.objects.current())
    category = Category.TRAFFIC_STOP
    interaction_month = dt.date(2026, 10, 1)
    submitted_on = dt.date(2026, 10, 20)
    language = "en"
    comment = "The officer listened to me and explained everything."
    publish_consent = True
    moderation_state = Feedback.Moderation.PENDING


class ModerationDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationDecision

    feedback = factory.SubFactory(FeedbackFactory)
    action = ModerationDecision.Action.PUBLISH
    text = "Published text"


class PublicResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicResponse

    feedback = factory.SubFactory(
        FeedbackFactory,
        moderation_state=Feedback.Moderation.PUBLISHED,
        published_text="Thanks for the help",
    )
    body = "Thank you for telling us."
    published_on = dt.date(2026, 10, 25)
