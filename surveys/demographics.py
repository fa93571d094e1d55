"""Optional demographic questions (SURVEY.md). Used only in k-suppressed aggregates, never on rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

PREFER_NOT = "prefer_not"


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", _("Under 25")
    AGE_25_44 = "25_44", _("25 to 44")
    AGE_45_64 = "45_64", _("45 to 64")
    AGE_65_PLUS = "65_plus", _("65 or older")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


class RaceEthnicity(models.TextChoices):
    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    HISPANIC = "hispanic", _("Hispanic or Latino")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Pacific Islander")
    WHITE = "white", _("White")
    MULTIPLE = "multiple", _("More than one, or another")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NONBINARY = "nonbinary", _("Non-binary or another gender")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")
