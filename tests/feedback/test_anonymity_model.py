"""The anonymity rule, checked on the models themselves (PRIVACY.md).

A Feedback row must not be joinable to the code it was given with or the service call behind it,
and no model may hold a client address, a user agent, a session or a precise submission time.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from feedback.models import Answer, CodeBatch, Feedback, FeedbackCode, ServiceCall

PROJECT_APPS = ("agencies", "surveys", "feedback")
# Things that identify a visit or a person's device, by field name.
IDENTIFYING_NAMES = ("ip", "addr", "agent", "session", "cookie", "fingerprint", "device")
# Models that describe one response or one code: no precise time at all.
NO_PRECISE_TIME = (Feedback, Answer, FeedbackCode)
# What a response must never point at, directly or through any chain of relations that does
# not pass through a shared dimension (agency, district, officer, survey, question).
LINKING_MODELS = (FeedbackCode, ServiceCall, CodeBatch)
SHARED_DIMENSIONS = (
    "agencies.agency",
    "agencies.district",
    "agencies.officer",
    "surveys.survey",
    "surveys.question",
)


def _relations(model: type[models.Model]) -> list[type[models.Model]]:
    related = []
    for field in model._meta.get_fields(include_hidden=True):
        if field.is_relation and field.related_model is not None:
            related.append(field.related_model)
    return related


def anonymity_violations(candidates: list[type[models.Model]]) -> list[str]:
    problems: list[str] = []
    for model in candidates:
        label = model._meta.label
        for field in model._meta.get_fields():
            if isinstance(field, models.GenericIPAddressField):
                problems.append(f"{label}.{field.name} stores an IP address")
            name = field.name.lower()
            if any(part in name.split("_") for part in IDENTIFYING_NAMES):
                problems.append(f"{label}.{field.name} looks identifying")
            if model in NO_PRECISE_TIME and isinstance(
                field, (models.DateTimeField, models.TimeField)
            ):
                problems.append(f"{label}.{field.name} is a precise time")
    # Walk relations from Feedback; shared dimensions are not walked through.
    seen: set[type[models.Model]] = set()
    stack: list[type[models.Model]] = [Feedback]
    stack += [m for m in candidates if m not in PROJECT_MODELS]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for related in _relations(model):
            if related in LINKING_MODELS:
                problems.append(f"{model._meta.label} can be joined to {related._meta.label}")
            elif (
                related._meta.label_lower not in SHARED_DIMENSIONS
                and related._meta.app_label in PROJECT_APPS + ("tests",)
            ):
                stack.append(related)
    return problems


PROJECT_MODELS = [m for a in PROJECT_APPS for m in apps.get_app_config(a).get_models()]


def test_no_model_can_identify_a_submitter_or_join_feedback_to_a_code_or_call() -> None:
    assert anonymity_violations(PROJECT_MODELS) == []


def test_feedback_code_records_whether_not_when_it_was_redeemed() -> None:
    fields = {f.name: f for f in FeedbackCode._meta.get_fields()}
    assert isinstance(fields["redeemed"], models.BooleanField)
    assert not any(
        isinstance(f, models.DateTimeField | models.DateField) and f.name != "expires_on"
        for f in fields.values()
        if not f.is_relation
    )


@isolate_apps("tests")
def test_checker_fails_on_a_feedback_link_to_a_code() -> None:
    class LeakyReceipt(models.Model):
        feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE)
        code = models.ForeignKey(FeedbackCode, on_delete=models.CASCADE)

        class Meta:
            app_label = "tests"

    assert any("FeedbackCode" in p for p in anonymity_violations([LeakyReceipt]))


@isolate_apps("tests")
def test_checker_fails_on_an_ip_address_or_timestamp() -> None:
    class LeakyLog(models.Model):
        client_ip = models.GenericIPAddressField()
        user_agent = models.CharField(max_length=200)

        class Meta:
            app_label = "tests"

    problems = anonymity_violations([LeakyLog])
    assert any("IP address" in p for p in problems)
    assert any("user_agent" in p for p in problems)
