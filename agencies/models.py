"""Agencies and what an agency publishes: its profile, districts, policies, officers, staff.

Nothing in this app knows about individual feedback. Officers are listed so that service calls can
name them and internal, k-suppressed aggregates can be built; no page shows one person's answers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .localized import Localized, localized
from .sensitive import InvalidRule, SensitiveMatcher, build_matcher, parse_agency_lines

US_STATE = RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter state code, e.g. CA."))
ORI_CODE = RegexValidator(r"^[A-Z]{2}[A-Z0-9]{7}$", _("An ORI is 9 characters, e.g. CA0194200."))


class AgencyQuerySet(models.QuerySet):
    def published(self) -> AgencyQuerySet:
        return self.filter(published=True)

    def national(self) -> AgencyQuerySet:
        """Agencies that count in national figures: published and not demos."""
        return self.filter(published=True, is_demo=False)

    def search(self, query: str) -> AgencyQuerySet:
        """Agencies whose name or city contains every word of `query`, or whose state it names."""
        agencies = self
        for word in query.split():
            match = models.Q(name__icontains=word) | models.Q(city__icontains=word)
            if len(word) == 2:
                match |= models.Q(state__iexact=word)
            agencies = agencies.filter(match)
        return agencies


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    ori = models.CharField(
        _("FBI ORI code"), max_length=9, unique=True, null=True, blank=True, validators=[ORI_CODE]
    )
    city = models.CharField(_("city"), max_length=120)
    state = models.CharField(_("state"), max_length=2, validators=[US_STATE])
    timezone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    website = models.URLField(_("website"), blank=True)
    welcome_message = models.TextField(_("leader's welcome message"), blank=True)
    welcome_message_es = models.TextField(
        _("leader's welcome message (Spanish)"),
        blank=True,
        help_text=_("Shown on Spanish pages. Left empty, they show the English text, marked."),
    )
    welcome_by = models.CharField(_("welcome signed by"), max_length=200, blank=True)
    # --- sensitive kinds of call (agencies/sensitive.py) ---
    sensitive_call_types = models.TextField(
        _("your agency's sensitive call types"),
        blank=True,
        default="",
        help_text=_(
            "Added to the national list. One per line: a word or phrase (whole words, any "
            "case; end it with * to match any ending), “code: 415D” for a dispatch code, or "
            "“re: …” for a regular expression. Calls that match never receive feedback codes."
        ),
    )
    # The dispatch import's column mapping, remembered for the next file (feedback/admin_import).
    cad_import_mapping = models.JSONField(
        _("dispatch import column mapping"), default=dict, blank=True
    )
    published = models.BooleanField(_("published"), default=False)
    is_demo = models.BooleanField(
        _("demo agency"),
        default=False,
        help_text=_("Demo agencies never count in national figures."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        indexes = [models.Index(fields=["state", "city"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agencies:detail", kwargs={"slug": self.slug})

    def localized_welcome(self) -> Localized:
        return localized(self.welcome_message, self.welcome_message_es)

    # --- sensitive kinds of call (agencies/sensitive.py) ---
    def clean(self) -> None:
        super().clean()
        try:
            parse_agency_lines(self.sensitive_call_types)
        except InvalidRule as error:
            raise ValidationError({"sensitive_call_types": str(error)}) from error

    def sensitive_matcher(self) -> SensitiveMatcher:
        """The national kinds plus this agency's lines, compiled once per instance."""
        key = self.sensitive_call_types
        cached = getattr(self, "_sensitive_matcher", None)
        if cached is None or cached[0] != key:
            cached = (key, build_matcher(key))
            self._sensitive_matcher = cached
        return cached[1]

    def sensitive_reason(self, call_type: str = "", call_code: str = "") -> str:
        """Why a call of this type and dispatch code is sensitive here ("" when it is not)."""
        return self.sensitive_matcher().reason(call_type, call_code)


class District(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="districts")
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("dispatch code"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="district_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    class Kind(models.TextChoices):
        USE_OF_FORCE = "use_of_force", _("Use of force")
        DUTY_TO_INTERVENE = "duty_to_intervene", _("Duty to intervene")
        COMPLAINTS = "complaints", _("Complaints process")
        OTHER = "other", _("Other")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="policies")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(
        _("title (Spanish)"),
        max_length=200,
        blank=True,
        help_text=_("Shown on Spanish pages. Left empty, they show the English text, marked."),
    )
    url = models.URLField(_("link"), blank=True)
    adopted_on = models.DateField(_("adopted"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_es = models.TextField(_("summary (Spanish)"), blank=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["agency", "kind", "title"]

    def __str__(self) -> str:
        return self.title

    def localized_title(self) -> Localized:
        return localized(self.title, self.title_es)

    def localized_summary(self) -> Localized:
        return localized(self.summary, self.summary_es)


class Accreditation(models.Model):
    class Status(models.TextChoices):
        ACCREDITED = "accredited", _("Accredited")
        IN_PROGRESS = "in_progress", _("In progress")
        EXPIRED = "expired", _("Expired")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="accreditations")
    body = models.CharField(_("accrediting body"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    awarded_on = models.DateField(_("date"), null=True, blank=True)
    url = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        ordering = ["agency", "-awarded_on"]

    def __str__(self) -> str:
        return f"{self.body} ({self.get_status_display()})"


class Officer(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="officers")
    badge_number = models.CharField(_("badge number"), max_length=30)
    display_name = models.CharField(_("display name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["agency", "display_name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "badge_number"], name="officer_unique_badge"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} #{self.badge_number}"


class Membership(models.Model):
    """A staff user's role in exactly one agency. Agency staff are never superusers."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Agency admin")
        MODERATOR = "moderator", _("Moderator")
        ANALYST = "analyst", _("Analyst")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("colleague")
        verbose_name_plural = _("colleagues")
        ordering = ["agency", "role"]

    def __str__(self) -> str:
        return f"{self.user} — {self.agency} ({self.get_role_display()})"


class AgencyInterest(models.Model):
    """An agency's request to join, from the public "Get started" form, for operators to review."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    agency_name = models.CharField(_("agency name"), max_length=200)
    ori = models.CharField(_("FBI ORI code"), max_length=9, blank=True, validators=[ORI_CODE])
    city = models.CharField(_("city"), max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=2, validators=[US_STATE])
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_role = models.CharField(_("contact role"), max_length=200)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default="new")
    agency = models.ForeignKey(Agency, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency interest")
        verbose_name_plural = _("agency interests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.agency_name


class Subscriber(models.Model):
    """A "stay connected" e-mail sign-up. Stored apart from feedback and never linked to it."""

    email = models.EmailField(_("e-mail"), unique=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True, validators=[US_STATE])
    language = models.CharField(_("language"), max_length=5, default="en")
    confirmed = models.BooleanField(_("confirmed"), default=False)
    created_on = models.DateField(auto_now_add=True)
    confirmed_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return self.email
