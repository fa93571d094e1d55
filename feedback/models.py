"""Service calls, feedback codes and anonymous feedback.

THE ANONYMITY RULE (PRIVACY.md): a Feedback row holds coarse copies only — agency, survey version,
call category, district, month of the interaction, submitted *date*, language, verified flag — and
has no foreign key, id or timestamp that could join it to the FeedbackCode it was given with or the
ServiceCall behind that code. FeedbackCode records only *whether* it was redeemed, never when.
Nothing here stores an IP address, user agent, session or precise time of submission.
`tests/feedback/test_anonymity_model.py` introspects these models and fails if that ever changes.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.localized import Localized, localized
from agencies.models import Agency, District, Officer
from surveys.models import Question, Survey


class Category(models.TextChoices):
    TRAFFIC_STOP = "traffic_stop", _("Traffic stop")
    CALL_FOR_HELP = "call_for_help", _("Call for help")
    WELFARE_CHECK = "welfare_check", _("Welfare check")
    CRIME_REPORT = "crime_report", _("Crime report")
    COMMUNITY_CONTACT = "community_contact", _("Community contact")
    OTHER = "other", _("Other contact")


class Language(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


class ServiceCall(models.Model):
    """A contact between the agency and a member of the public, imported from dispatch (CAD)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="service_calls")
    reference = models.CharField(_("agency reference"), max_length=64)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    call_type = models.CharField(_("dispatch call type"), max_length=120, blank=True)
    call_code = models.CharField(_("dispatch call code"), max_length=30, blank=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Sensitive calls (e.g. domestic violence) never receive feedback codes."),
    )
    district = models.ForeignKey(District, on_delete=models.SET_NULL, null=True, blank=True)
    occurred_on = models.DateField(_("date"))
    officers = models.ManyToManyField(Officer, blank=True, related_name="service_calls")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service call")
        verbose_name_plural = _("service calls")
        ordering = ["-occurred_on", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "reference"], name="servicecall_unique_ref"),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- sensitive calls (agencies/sensitive.py): the one check every code for a call passes ---
    def sensitive_reason(self, agency: Agency | None = None) -> str:
        """Why this call may get no code ("" when it may), from the agency's current list.

        The stored `sensitive` flag is kept for lists and filters; the list itself is read again
        here, so a kind added after the import still protects the call.
        """
        agency = agency if agency is not None and agency.pk == self.agency_id else self.agency
        reason = agency.sensitive_reason(self.call_type, self.call_code)
        if not reason and self.sensitive:
            reason = str(_("marked sensitive"))
        return reason

    def may_receive_code(self, agency: Agency | None = None) -> bool:
        return not self.sensitive_reason(agency)


class SensitiveCallRefused(ValueError):
    """A feedback code was about to be created for a sensitive call."""


class CodeBatch(models.Model):
    """One printing of feedback codes. Staff see a batch's response rate, never which code was used."""

    class Kind(models.TextChoices):
        CALLS = "calls", _("For selected service calls")
        BLANK = "blank", _("Blank cards")
        DEMO = "demo", _("Demo codes")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="code_batches")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    district = models.ForeignKey(District, on_delete=models.SET_NULL, null=True, blank=True)
    size = models.PositiveIntegerField(_("number of codes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("printing of feedback cards")
        verbose_name_plural = _("printed feedback cards")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agency} — {self.size} ({self.get_kind_display()})"


class FeedbackCode(models.Model):
    """A one-time code. Only its keyed digest is stored; the plaintext exists at printing time only.

    `redeemed` says whether the code was used, never when (PRIVACY.md).
    """

    digest = models.CharField(max_length=64, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="codes")
    service_call = models.ForeignKey(
        ServiceCall, on_delete=models.SET_NULL, null=True, blank=True, related_name="codes"
    )
    batch = models.ForeignKey(
        CodeBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="codes"
    )
    expires_on = models.DateField(_("expires"))
    redeemed = models.BooleanField(_("redeemed"), default=False)

    class Meta:
        verbose_name = _("feedback code")
        verbose_name_plural = _("feedback codes")
        indexes = [models.Index(fields=["batch", "redeemed"])]

    def __str__(self) -> str:
        return f"code …{self.digest[:6]}"

    def save(self, *args, **kwargs) -> None:
        # Every path that creates a code for a call (cards, CSV, demo codes, any later API)
        # ends here: a sensitive call never gets one. (Bulk writers bypass save(); the only one,
        # feedback/synthetic.py, binds no call.)
        if (
            self._state.adding
            and self.service_call_id is not None
            and not self.service_call.may_receive_code(self.agency if self.agency_id else None)
        ):
            raise SensitiveCallRefused(self.service_call.reference)
        super().save(*args, **kwargs)


class FeedbackQuerySet(models.QuerySet):
    def comments_published(self) -> FeedbackQuerySet:
        return self.filter(moderation_state=Feedback.Moderation.PUBLISHED)

    def awaiting_moderation(self) -> FeedbackQuerySet:
        return self.filter(moderation_state=Feedback.Moderation.PENDING)


class Feedback(models.Model):
    """One anonymous response. Coarse copies only; see the module docstring."""

    class Moderation(models.TextChoices):
        NO_COMMENT = "none", _("No comment")
        PRIVATE = "private", _("Private comment (not for publication)")
        PENDING = "pending", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        WITHHELD = "withheld", _("Withheld")
        SENSITIVE = "sensitive", _("Flagged for internal follow-up")

    class WithheldReason(models.TextChoices):
        PERSONAL_DATA = "personal_data", _("Personal data")
        THREAT = "threat", _("Threat")
        HATE = "hate", _("Hate")
        OFF_TOPIC = "off_topic", _("Off-topic")
        SPAM = "spam", _("Spam")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="feedback")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="feedback")
    category = models.CharField(_("call category"), max_length=30, choices=Category.choices)
    district = models.ForeignKey(District, on_delete=models.SET_NULL, null=True, blank=True)
    interaction_month = models.DateField(_("month of the interaction"))
    submitted_on = models.DateField(_("submitted (date only)"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    verified = models.BooleanField(
        _("verified"), default=False, help_text=_("The code was issued for a real service call.")
    )
    # The officers of the call: only for k-suppressed internal aggregates and kudos (PRIVACY.md).
    officers = models.ManyToManyField(Officer, blank=True, related_name="+")
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    publish_consent = models.BooleanField(_("may be published after review"), default=False)
    moderation_state = models.CharField(
        _("moderation"), max_length=20, choices=Moderation.choices, default=Moderation.NO_COMMENT
    )
    withheld_reason = models.CharField(
        _("withheld because"), max_length=20, choices=WithheldReason.choices, blank=True
    )
    published_text = models.TextField(_("published text"), blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    age_band = models.CharField(_("age"), max_length=20, blank=True)
    race_ethnicity = models.CharField(_("race or ethnicity"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=20, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["-submitted_on", "-id"]
        indexes = [
            models.Index(fields=["agency", "interaction_month"]),
            models.Index(fields=["agency", "moderation_state"]),
            # The Agency Page's comment list: newest published first, read from the index alone
            # (ten entries), however many responses the agency has.
            models.Index(
                fields=["agency", "-published_on", "-id"],
                condition=models.Q(moderation_state="published"),
                name="feedback_published_comments",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interaction_month__day=1), name="feedback_month_is_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.interaction_month:%Y-%m} ({self.get_category_display()})"


class Answer(models.Model):
    """One answer: 1–5 on the question's scale, or null for "doesn't apply"."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["feedback", "question"], name="answer_once_per_item"),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=1, value__lte=5),
                name="answer_value_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}={self.value}"


class ModerationDecision(models.Model):
    """Who decided what about a comment, and when (the moderator's time, not the submitter's)."""

    class Action(models.TextChoices):
        PUBLISH = "publish", _("Published")
        WITHHOLD = "withhold", _("Withheld")
        FLAG = "flag", _("Flagged as sensitive")

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="decisions")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.CharField(
        _("reason"), max_length=20, choices=Feedback.WithheldReason.choices, blank=True
    )
    text = models.TextField(_("published text"), blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision on a comment")
        verbose_name_plural = _("decisions on comments")
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.moderator}"


class PublicResponse(models.Model):
    """The agency's public reply to a published comment ("you said, we did")."""

    feedback = models.OneToOneField(
        Feedback, on_delete=models.CASCADE, related_name="public_response"
    )
    body = models.TextField(_("response"), max_length=4000)
    body_es = models.TextField(
        _("response (Spanish)"),
        max_length=4000,
        blank=True,
        help_text=_("Shown on Spanish pages. Left empty, they show the English text, marked."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_on = models.DateField(_("published"))

    class Meta:
        verbose_name = _("public response")
        verbose_name_plural = _("public responses")

    def __str__(self) -> str:
        return self.body[:60]

    def localized_body(self) -> Localized:
        return localized(self.body, self.body_es)


class Measure(models.TextChoices):
    VOICE = "voice", _("Voice")
    RESPECT = "respect", _("Dignity and respect")
    NEUTRALITY = "neutrality", _("Neutrality")
    MOTIVES = "motives", _("Trustworthy motives")
    OUTCOME = "outcome", _("Overall")
    TRUST = "trust", _("Trust index")


class AnswerRollup(models.Model):
    """Count of answers per agency × month × call category × question × value (0 = doesn't apply).

    Maintained in the submission's transaction; pages read these, never the feedback rows.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    category = models.CharField(max_length=30, choices=Category.choices)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "category", "question", "value"],
                name="answerrollup_unique_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category} q{self.question_id}={self.value}: {self.count}"


class ScoreRollup(models.Model):
    """Person-level 0–100 scores per agency × month × category × measure: n, Σx, Σx² for t intervals.

    `responses` is the number of feedback rows in the cell (the same on every measure's row); `n`
    is how many of them had a score for that measure ("doesn't apply" everywhere gives none).
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    category = models.CharField(max_length=30, choices=Category.choices)
    measure = models.CharField(max_length=20, choices=Measure.choices)
    responses = models.PositiveIntegerField(default=0)
    n = models.PositiveIntegerField(default=0)
    total = models.FloatField(default=0)
    total_sq = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "category", "measure"], name="scorerollup_unique_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category} {self.measure}: n={self.n}"


class ModerationRollup(models.Model):
    """Comments per agency × moderation state × reason withheld, for the Agency Page's counts.

    Only the states a page counts (pending, published, withheld, sensitive). Maintained with the
    submission (`rollups_add`) and with each moderation decision, so the page reads a handful of
    rows instead of counting an agency's feedback.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=Feedback.Moderation.choices)
    reason = models.CharField(max_length=20, choices=Feedback.WithheldReason.choices, blank=True)
    # Not "positive": a decision moves a comment with one statement that adds -1 and +1.
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "state", "reason"], name="moderationrollup_unique_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state} {self.reason}: {self.count}"


def random_queue_key() -> str:
    """A random, unguessable key: orders a batch at random and names a comment in staff URLs."""
    return secrets.token_hex(16)


class CommentRelease(models.Model):
    """The daily batch in which a comment reached the agency's moderators or reviewers.

    Comments reach staff only in these batches (PRIVACY.md rule 9): `manage.py release_comments`
    runs once a day and releases, together, every comment written before that day. Within a batch
    the order is `key`, which is random, and staff URLs name a comment by `key`, never by the
    feedback's id (ids follow the order in which comments arrived).
    """

    feedback = models.OneToOneField(
        Feedback, on_delete=models.CASCADE, related_name="comment_release"
    )
    released_on = models.DateField(_("reached the queue"))
    key = models.CharField(max_length=32, unique=True, default=random_queue_key, editable=False)

    class Meta:
        verbose_name = _("comment batch entry")
        verbose_name_plural = _("comment batch entries")
        indexes = [models.Index(fields=["released_on", "key"])]

    def __str__(self) -> str:
        return f"{self.released_on:%Y-%m-%d} {self.key[:6]}"


class Kudos(models.Model):
    """Thanks a respondent chose to send to the officers of their call.

    Nothing joins it to the response it was written with (PRIVACY.md rule 8): no foreign key to
    the feedback, the code or the call; only the agency and the officers it is addressed to. It
    reaches staff in the daily batch (`released_on`), in random order (`key`), without answers.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="kudos")
    officers = models.ManyToManyField(Officer, related_name="kudos")
    message = models.TextField(_("message"), max_length=1000)
    written_on = models.DateField(_("written (date only)"))
    released_on = models.DateField(_("delivered"), null=True, blank=True)
    key = models.CharField(max_length=32, unique=True, default=random_queue_key, editable=False)

    class Meta:
        verbose_name = _("thanks to officers")
        verbose_name_plural = _("thanks to officers")
        indexes = [models.Index(fields=["agency", "released_on", "key"])]

    def __str__(self) -> str:
        return self.message[:60]


# --- Frozen releases (PRIVACY.md rules 1-2) -------------------------------------------------------


class ReleaseBlock(models.Model):
    """One released block of an agency: whole months merged forward until they hold >= k responses.

    Written once, on the day every code that could add to its months has expired
    (`feedback.releases.releases_run`), with its figures computed then; every page, file and staff
    view reads `figures` from here and never recomputes them. Only an operator's rebuild
    (`manage.py release_blocks --rebuild`) rewrites a block.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="release_blocks")
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    n = models.PositiveIntegerField(_("responses"))
    released_on = models.DateField(_("released"))
    # See docs/agency-pages.md "Stored figures" and feedback/releases.py for the layout.
    figures = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("release block")
        verbose_name_plural = _("release blocks")
        ordering = ["agency", "first_month"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "first_month"], name="releaseblock_unique"),
            models.CheckConstraint(
                condition=models.Q(last_month__gte=models.F("first_month")),
                name="releaseblock_months_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.first_month:%Y-%m}–{self.last_month:%Y-%m} (n={self.n})"


class AgencyRelease(models.Model):
    """What an agency's public and staff figures show once a month is closed: windows of whole
    released blocks (12 and 24 months, kinds of contact, breakdowns) and the comparison.

    One row per agency and closed month, written by the same daily run as the blocks; the latest
    one is what the Agency Page, open data and staff results read.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="releases")
    closed_through = models.DateField(_("closed through"))
    released_on = models.DateField(_("released"))
    figures = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("agency release")
        verbose_name_plural = _("agency releases")
        ordering = ["agency", "-closed_through"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "closed_through"], name="agencyrelease_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} through {self.closed_through:%Y-%m}"


class PrivateComment(Feedback):
    """A comment its author kept private: read by the agency's reviewers, never published."""

    class Meta:
        proxy = True
        verbose_name = _("private comment")
        verbose_name_plural = _("private comments")
