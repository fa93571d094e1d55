"""The standard instrument: versioned surveys and their questions.

Agencies cannot edit the standard items; that is what makes agencies comparable. A new version
never rewrites old answers: each answer points at the question of the version it was given under.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Pillar(models.TextChoices):
    VOICE = "voice", _("Voice")
    RESPECT = "respect", _("Dignity and respect")
    NEUTRALITY = "neutrality", _("Neutrality")
    MOTIVES = "motives", _("Trustworthy motives")
    OUTCOME = "outcome", _("Overall")


# The four procedural-justice pillars whose mean is the trust index; "outcome" is reported apart.
PJ_PILLARS: tuple[str, ...] = (Pillar.VOICE, Pillar.RESPECT, Pillar.NEUTRALITY, Pillar.MOTIVES)


class Scale(models.TextChoices):
    AGREE = "agree", _("Agreement (strongly disagree … strongly agree)")
    SATISFIED = "satisfied", _("Satisfaction (very dissatisfied … very satisfied)")


class SurveyManager(models.Manager["Survey"]):
    def get_by_natural_key(self, version: int) -> Survey:
        return self.get(version=version)

    def current(self) -> Survey:
        return self.filter(is_current=True).latest("version")


class Survey(models.Model):
    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    introduced_on = models.DateField(_("introduced"))
    is_current = models.BooleanField(_("current"), default=False)

    objects = SurveyManager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def natural_key(self) -> tuple[int]:
        return (self.version,)


class QuestionManager(models.Manager["Question"]):
    def get_by_natural_key(self, version: int, code: str) -> Question:
        return self.get(survey__version=version, code=code)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="questions")
    code = models.SlugField(_("code"), max_length=40)
    pillar = models.CharField(_("pillar"), max_length=20, choices=Pillar.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    text_en = models.CharField(_("text (English)"), max_length=300)
    text_es = models.CharField(_("text (Spanish)"), max_length=300)
    scale = models.CharField(_("scale"), max_length=20, choices=Scale.choices, default=Scale.AGREE)
    is_satisfaction = models.BooleanField(
        _("overall satisfaction item"),
        default=False,
        help_text=_("The item whose share of 4s and 5s is reported as 'share positive'."),
    )

    objects = QuestionManager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "order"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="question_unique_code"),
            models.UniqueConstraint(fields=["survey", "order"], name="question_unique_order"),
        ]

    def __str__(self) -> str:
        return self.text_en

    def natural_key(self) -> tuple[int, str]:
        return (*self.survey.natural_key(), self.code)

    natural_key.dependencies = ["surveys.survey"]

    @property
    def text(self) -> str:
        """The question in the active language."""
        return self.text_es if (get_language() or "en").startswith("es") else self.text_en
