"""Forms of the anonymous feedback flow. Every field is an allow-list; nothing here writes."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core import signing
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from surveys.demographics import AgeBand, Gender, RaceEthnicity
from surveys.models import Pillar, Question, Scale

from . import captcha
from .codes import normalize_code
from .kudos import KudosForm

COMMENT_MAX = 2000
KEPT_FIELDS = ("comment", "kudos", "publish", "age_band", "race_ethnicity", "gender")
NOT_APPLICABLE = "na"
FORM_TOKEN_SALT = "feedback.survey.form"  # noqa: S105 - a signing namespace, not a secret
FORM_TOKEN_MAX_AGE = 3 * 60 * 60  # a page left open longer gets a fresh token, answers kept

AGREE_CHOICES = [
    ("1", _("Strongly disagree")),
    ("2", _("Disagree")),
    ("3", _("Neither agree nor disagree")),
    ("4", _("Agree")),
    ("5", _("Strongly agree")),
    (NOT_APPLICABLE, _("Doesn't apply")),
]
SATISFIED_CHOICES = [
    ("1", _("Very dissatisfied")),
    ("2", _("Dissatisfied")),
    ("3", _("Neither satisfied nor dissatisfied")),
    ("4", _("Satisfied")),
    ("5", _("Very satisfied")),
    (NOT_APPLICABLE, _("Doesn't apply")),
]
PUBLISH_CHOICES = [
    ("private", _("Keep my comment private: only the agency's reviewers read it")),
    ("publish", _("It may be published on the agency's page after review")),
]


class EntryForm(forms.Form):
    code = forms.CharField(
        label=_("Your feedback code"),
        help_text=_(
            "It is printed on your card, for example 7KQ2-M9XD-4HPB-R. Dashes and spaces are optional."
        ),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the code printed on your card.")},
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("That does not look like a feedback code. A code has 13 letters and digits."),
                code="format",
            )
        return code


def make_form_token(digest: str) -> str:
    """Sign when the survey was shown and for which code; nothing is stored on the server."""
    return signing.dumps({"d": digest[:32], "t": int(time.time())}, salt=FORM_TOKEN_SALT)


def read_form_token(token: str, digest: str) -> int | None:
    """Return the time the form was shown, if the token is genuine, recent and for this code."""
    try:
        data = signing.loads(token or "", salt=FORM_TOKEN_SALT, max_age=FORM_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or data.get("d") != digest[:32]
        or not isinstance(data.get("t"), int)
    ):
        return None
    return data["t"]


def kept_answers(data: QueryDict) -> dict[str, str]:
    """What a person entered on the survey, as starting values for the same survey re-shown
    (the language switch). Only the answer fields: never the token, captcha or honeypot; values
    outside a field's choices simply match no radio button."""
    kept = {}
    for name, value in data.items():
        if name.startswith("q_") or name in KEPT_FIELDS:
            kept[name[:50]] = value[:COMMENT_MAX]
    return kept


def _radio(label: str, choices: list, required: bool) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose an answer, or “Doesn't apply”."),
            "invalid_choice": _("Choose one of the answers shown."),
        },
    )


class SurveyForm(KudosForm):  # the optional thank-you to officers: feedback/kudos.py
    """The standard instrument, built from the survey's questions, plus comment and demographics."""

    comment = forms.CharField(
        label=_("Anything else you want to tell the agency? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": COMMENT_MAX}),
        error_messages={
            "max_length": _(
                "Please shorten your comment to %(limit_value)d characters (it has %(show_value)d)."
            )
        },
    )
    publish = forms.ChoiceField(
        label=_("May your comment be published?"),
        choices=PUBLISH_CHOICES,
        initial="private",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the answers shown.")},
    )
    age_band = forms.ChoiceField(
        label=_("Your age (optional)"),
        choices=AgeBand.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    race_ethnicity = forms.ChoiceField(
        label=_("Your race or ethnicity (optional)"),
        choices=RaceEthnicity.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    gender = forms.ChoiceField(
        label=_("Your gender (optional)"),
        choices=Gender.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    # Honeypot: hidden from people (and from assistive technology); bots fill every field.
    website = forms.CharField(
        label=pgettext_lazy("honeypot", "Leave this field empty"), required=False, max_length=200
    )
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=500, required=False)

    def __init__(
        self, *args, questions: Iterable[Question], digest: str, use_captcha: bool = True, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.digest = digest
        self.proven = False
        for question in self.questions:
            choices = SATISFIED_CHOICES if question.scale == Scale.SATISFIED else AGREE_CHOICES
            self.fields[self.field_name(question)] = _radio(question.text, choices, required=True)
        for name in ("age_band", "race_ethnicity", "gender"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose one of the answers shown."
            )
        field = captcha.captcha_field() if use_captcha else None
        if field is not None:
            self.fields["captcha"] = field

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q_{question.code}"

    def pillar_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Bound question fields grouped by pillar, in the instrument's order."""
        groups: dict[str, list[forms.BoundField]] = {}
        for question in self.questions:
            groups.setdefault(question.pillar, []).append(self[self.field_name(question)])
        return [(Pillar(p).label, fields) for p, fields in groups.items()]

    def holds_answers(self) -> bool:
        """Whether the form shows what someone entered (then its markup is never cached)."""
        return self.is_bound or bool(self.initial)

    def about_you_given(self) -> bool:
        """Whether any optional question about the person holds an answer (shown unfolded)."""
        return any(field.value() for field in self.demographic_fields())

    def demographic_fields(self) -> list[forms.BoundField]:
        return [self["age_band"], self["race_ethnicity"], self["gender"]]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Your answers could not be sent. Please leave the last, hidden field empty."),
                code="honeypot",
            )
        if self.errors:
            return data  # timing and captcha are judged once the answers themselves are fine
        shown_at = read_form_token(data.get("form_token", ""), self.digest)
        if shown_at is None:
            raise forms.ValidationError(
                _(
                    "This page was open for a long time. Please check your answers and send them again."
                ),
                code="stale",
            )
        field = self.fields.get("captcha")
        if field is not None:
            try:
                self.proven = field.verify(data.get("captcha"))
            except forms.ValidationError as exc:
                self.add_error("captcha", exc)
                return data
        if time.time() - shown_at < self.min_seconds():
            raise forms.ValidationError(
                _("That was very fast. Please check your answers, then send them again."),
                code="too_fast",
            )
        return data

    def min_seconds(self) -> int:
        """How long the survey must have been open: longer for a form without proof of work."""
        if self.unproven:
            return getattr(settings, "FEEDBACK_MIN_SECONDS_UNPROVEN", 20)
        return getattr(settings, "FEEDBACK_MIN_SECONDS", 3)

    @property
    def unproven(self) -> bool:
        """Sent without the proof of work the self-hosted captcha asks of browsers with JavaScript."""
        return captcha.backend() == "altcha" and not self.proven

    def answers(self) -> dict[int, int | None]:
        """Question id → 1..5, or None for "doesn't apply"."""
        result: dict[int, int | None] = {}
        for question in self.questions:
            value = self.cleaned_data[self.field_name(question)]
            result[question.pk] = None if value == NOT_APPLICABLE else int(value)
        return result

    def demographics(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(name) or ""
            for name in ("age_band", "race_ethnicity", "gender")
        }

    def publish_consent(self) -> bool:
        return self.cleaned_data.get("publish") == "publish"
