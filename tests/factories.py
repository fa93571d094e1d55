"""One factory per model. Deterministic sequences, so tests that assert on values stay stable."""

from __future__ import annotations

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
from feedback.codes import code_digest, normalize_code
from feedback.models import (
    Answer,
    Category,
    CodeBatch,
    CommentRelease,
    Feedback,
    FeedbackCode,
    ModerationDecision,
    PublicResponse,
    ServiceCall,
)
from surveys.models import Question, Survey


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct-horse-battery-staple")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n} Police Department")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    city = factory.Sequence(lambda n: f"City {n}")
    state = "CA"
    published = True


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"District {n}")


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
    body = "CALEA"
    status = Accreditation.Status.ACCREDITED


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    agency = factory.SubFactory(AgencyFactory)
    badge_number = factory.Sequence(lambda n: f"B{n:04d}")
    display_name = factory.Sequence(lambda n: f"Officer {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Membership.Role.MODERATOR


class AgencyInterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyInterest

    agency_name = factory.Sequence(lambda n: f"Interested PD {n}")
    state = "OR"
    contact_name = "Pat Chief"
    contact_email = factory.Sequence(lambda n: f"chief{n}@example.org")
    contact_role = "Chief of Police"


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"resident{n}@example.org")


def current_survey() -> Survey:
    """The standard instrument installed by the surveys data migration."""
    return Survey.objects.current()


class ServiceCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCall

    agency = factory.SubFactory(AgencyFactory)
    reference = factory.Sequence(lambda n: f"CAD-{n:06d}")
    category = Category.TRAFFIC_STOP
    occurred_on = dt.date(2026, 10, 5)


class CodeBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeBatch

    agency = factory.SubFactory(AgencyFactory)
    kind = CodeBatch.Kind.BLANK
    size = 1


class FeedbackCodeFactory(factory.django.DjangoModelFactory):
    """Pass `code="ABCD-EFGH-JKMN-P"` to know the plaintext; the digest is derived from it."""

    class Meta:
        model = FeedbackCode
        exclude = ["code"]

    code = factory.Sequence(lambda n: f"{n:013d}")
    digest = factory.LazyAttribute(lambda o: code_digest(normalize_code(o.code)))
    agency = factory.SubFactory(AgencyFactory)
    expires_on = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=30))


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    agency = factory.SubFactory(AgencyFactory)
    survey = factory.LazyFunction(current_survey)
    category = Category.TRAFFIC_STOP
    interaction_month = dt.date(2026, 10, 1)
    submitted_on = dt.date(2026, 10, 9)
    language = "en"
    verified = True


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    feedback = factory.SubFactory(FeedbackFactory)
    question = factory.LazyFunction(
        lambda: Question.objects.filter(survey__is_current=True).first()
    )
    value = 4


class ModerationDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationDecision

    feedback = factory.SubFactory(FeedbackFactory)
    action = ModerationDecision.Action.PUBLISH


class PublicResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicResponse

    feedback = factory.SubFactory(FeedbackFactory)
    body = "Thank you for telling us."
    published_on = dt.date(2026, 10, 20)


def feedback_with_answers(
    *, values: dict[str, int | None] | None = None, **kwargs: object
) -> Feedback:
    """Create a feedback with one answer per current question (default 4, override by code)."""
    fb = FeedbackFactory(**kwargs)
    for question in Question.objects.filter(survey=fb.survey):
        Answer.objects.create(
            feedback=fb, question=question, value=(values or {}).get(question.code, 4)
        )
    return fb


# --- agency pages ---


def agency_with_responses(
    *, count: int, month: dt.date, value: int = 4, rebuild: bool = True, **agency: object
) -> Agency:
    """A published agency with `count` responses in `month`, every answer `value`, rollups built."""
    from feedback.rollups import rollups_rebuild

    item = AgencyFactory(**agency)
    for _ in range(count):
        feedback_with_answers(
            agency=item,
            interaction_month=month,
            values=dict.fromkeys(Question.objects.values_list("code", flat=True), value),
        )
    if rebuild:
        from feedback.releases import releases_run

        rollups_rebuild(agency=item)
        releases_run(agency=item)  # what pages show: the stored release of closed months
    return item


# --- staff workspace ---


@functools.cache
def _staff_password_hash() -> str:
    # One hash for every staff test user: hashing per user costs ~0.3 s each.
    return make_password("correct-horse-battery-staple")


class StaffUserFactory(UserFactory):
    password = factory.LazyFunction(_staff_password_hash)


def staff_user(agency: Agency, role: str, **kwargs: object) -> object:
    """A staff user with one membership (role) in `agency`."""
    return MembershipFactory(agency=agency, role=role, user=StaffUserFactory(**kwargs)).user


class CommentFactory(FeedbackFactory):
    """A feedback whose author wrote a comment and allowed publication: awaiting moderation."""

    comment = "The officer listened to me and explained everything."
    publish_consent = True
    moderation_state = Feedback.Moderation.PENDING

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def released(obj: Feedback, create: bool, extracted: object, **kwargs: object) -> None:
        """Delivered to staff in a daily batch (feedback.moderation), unless `released=False`."""
        if create and extracted is not False and obj.comment:
            CommentRelease.objects.create(feedback=obj, released_on=obj.submitted_on)
