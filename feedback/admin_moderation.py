"""Comments in the staff workspace: the moderation queue and screen, private comments, kudos.

`FeedbackModerationAdmin` is the base of the registered Feedback admin (feedback/admin.py adds
the internal results to it). What staff see of a comment (PRIVACY.md rule 7): its text, agency
and month — never its author's answers, scores, kind of contact or district, nor the code or
call. Comments and kudos appear only once a daily batch has delivered them, in the batch's random
order, and a comment's address is its batch key, never the feedback id (ids follow arrival).
Every write goes through feedback/moderation.py.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Officer
from agencies.scoping import AgencyScopedAdmin

from . import redaction
from .models import Feedback, Kudos, ModerationDecision, PrivateComment, PublicResponse
from .moderation import (
    moderation_decide,
    next_release_day,
    public_response_remove,
    public_response_save,
    released_comments,
)
from .templatetags.comment_text import placeholders

EXCERPT = 90
QUEUE_ORDER = ["-comment_release__released_on", "comment_release__key"]


class ModerationForm(forms.Form):
    """One form for every decision on the screen; the button pressed says which (ACTIONS)."""

    text = forms.CharField(
        label=_("Text to publish"),
        help_text=_(
            "The proposal already has the highlighted personal data replaced. Edit it as needed: "
            "this exact text is what the public will read."
        ),
        widget=forms.Textarea(attrs={"rows": 7}),
        required=False,
        max_length=2000,
    )
    reason = forms.ChoiceField(
        label=_("Reason for withholding"),
        choices=Feedback.WithheldReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    response = forms.CharField(
        label=_("Public response from the agency (optional)"),
        help_text=_("Shown under the published comment on the Agency Page."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    response_es = forms.CharField(
        label=_("The same response in Spanish (optional)"),
        help_text=_("Shown on the Spanish page; without it, Spanish readers see the English text."),
        widget=forms.Textarea(attrs={"rows": 4, "lang": "es"}),
        required=False,
        max_length=4000,
    )


ACTIONS = {"publish", "withhold", "flag", "respond", "unrespond"}


def _placeholders() -> dict:
    return placeholders(translation.get_language() or settings.LANGUAGE_CODE)


KIND_LABELS = {
    redaction.Kind.EMAIL: _("e-mail"),
    redaction.Kind.PHONE: _("phone number"),
    redaction.Kind.ADDRESS: _("address"),
    redaction.Kind.PLATE: _("licence plate"),
    redaction.Kind.NAME: _("name"),
    redaction.Kind.HANDLE: _("social media account"),
    redaction.Kind.DIGITS: _("long number"),
}


def _excerpt(text: str) -> str:
    return text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")


def moderation_url(feedback: Feedback) -> str:
    """The moderation screen of a released comment, addressed by its batch key."""
    release = getattr(feedback, "comment_release", None)
    if release is None:  # not delivered yet: it has no screen
        return reverse("admin:feedback_feedback_changelist")
    return reverse("admin:feedback_feedback_change", args=[release.key])


class StateFilter(admin.SimpleListFilter):
    title = _("moderation")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Awaiting moderation")),
            ("published", _("Published")),
            ("withheld", _("Withheld")),
            ("sensitive", _("Flagged for internal follow-up")),
        ]

    def queryset(self, request, queryset):
        return queryset.filter(moderation_state=self.value()) if self.value() else queryset


class FeedbackModerationAdmin(AgencyScopedAdmin):
    """The moderation queue: released comments whose authors allowed publication, batch by batch.

    Text, agency, month and moderation state only (PRIVACY.md rule 7).
    """

    change_list_template = "admin/feedback/moderation_queue.html"
    list_display = ["comment_link", "month", "reached_queue", "moderation_state", "answered"]
    list_display_links = None
    list_filter = [StateFilter]
    search_fields = ["comment", "published_text"]
    ordering = QUEUE_ORDER
    list_per_page = 50
    actions = None
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = released_comments(super().get_queryset(request)).filter(
            publish_consent=True,
            moderation_state__in=[
                Feedback.Moderation.PENDING,
                Feedback.Moderation.PUBLISHED,
                Feedback.Moderation.WITHHELD,
                Feedback.Moderation.SENSITIVE,
            ],
        )
        return queryset.select_related("agency", "public_response", "comment_release")

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        feedback = self.get_queryset(request).filter(comment_release__key=object_id).first()
        if feedback is None:
            # Not released, another agency's, or no such comment: all look the same.
            raise Http404
        return feedback

    def changelist_view(self, request, extra_context=None):
        if "state" not in request.GET and not request.GET.get("q"):
            return redirect(f"{request.path}?state=pending")
        extra_context = {
            **(extra_context or {}),
            "title": _("Comments to review"),
            "next_release": date_format(next_release_day(), "DATE_FORMAT"),
        }
        return super().changelist_view(request, extra_context)

    def object_url(self, obj: Feedback) -> str:
        return moderation_url(obj)

    @admin.display(description=_("comment"))
    def comment_link(self, obj: Feedback) -> str:
        return format_html(
            '<a href="{}">{}</a>', moderation_url(obj), _excerpt(obj.published_text or obj.comment)
        )

    @admin.display(description=_("month"))
    def month(self, obj: Feedback) -> str:
        return date_format(obj.interaction_month, "YEAR_MONTH_FORMAT")

    @admin.display(description=_("reached the queue"))
    def reached_queue(self, obj: Feedback) -> str:
        return date_format(obj.comment_release.released_on, "DATE_FORMAT")

    @admin.display(description=_("answered"), boolean=True)
    def answered(self, obj: Feedback) -> bool:
        return hasattr(obj, "public_response")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # --- the moderation screen ---------------------------------------------------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        """One screen: the comment, its personal data, the decision and the public response."""
        feedback = self.get_object(request, object_id)
        if not self.has_view_or_change_permission(request, feedback):
            raise PermissionDenied
        can_moderate = self.has_change_permission(request, feedback)
        officers = Officer.objects.filter(agency=feedback.agency).values_list(
            "display_name", flat=True
        )
        findings = redaction.find_personal_data(
            feedback.comment, extra_names=redaction.known_names(officers)
        )
        proposal = redaction.propose_redaction(
            feedback.comment, findings, placeholders=_placeholders()
        )
        existing = getattr(feedback, "public_response", None)
        form = ModerationForm(
            initial={
                "text": feedback.published_text or proposal,
                "reason": feedback.withheld_reason,
                "response": existing.body if existing else "",
                "response_es": existing.body_es if existing else "",
            }
        )
        if request.method == "POST":
            if not can_moderate:
                raise PermissionDenied
            form = ModerationForm(request.POST)
            done = self._decide(request, feedback, form)
            if done is not None:
                self.message_user(request, done)
                # The moderator stays on this comment until they choose to move on.
                return redirect(request.path)
        queue = self._pending_keys(request)
        key = feedback.comment_release.key
        following = self._following(queue, key)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Moderate a comment"),
            "feedback": feedback,
            "month": date_format(feedback.interaction_month, "YEAR_MONTH_FORMAT"),
            "reached_queue": date_format(feedback.comment_release.released_on, "DATE_FORMAT"),
            "segments": [
                (text, KIND_LABELS.get(kind) if kind else None)
                for text, kind in redaction.segments(feedback.comment, findings)
            ],
            "findings": [(KIND_LABELS[f.kind], f.text) for f in findings],
            "proposal": proposal,
            "form": form,
            "existing_response": existing,
            "decisions": feedback.decisions.select_related("moderator"),
            "can_moderate": can_moderate,
            "pending_left": len(queue) - (1 if key in queue else 0),
            "next_url": (
                reverse("admin:feedback_feedback_change", args=[following]) if following else ""
            ),
            "queue_url": reverse("admin:feedback_feedback_changelist") + "?state=pending",
            "original": feedback,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/feedback/moderate.html", context)

    def _decide(self, request: HttpRequest, feedback: Feedback, form: ModerationForm) -> str | None:
        """Apply the button pressed through the services; the message to show, or None on error."""
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            form.add_error(None, gettext("Choose what to do with the comment."))
            return None
        if not form.is_valid():
            return None
        data = form.cleaned_data
        try:
            if action == "respond":
                public_response_save(
                    feedback=feedback,
                    author=request.user,
                    body=data["response"],
                    body_es=data["response_es"],
                )
                return gettext("The response is published.")
            if action == "unrespond":
                public_response_remove(feedback=feedback)
                return gettext("The response was taken down.")
            moderation_decide(
                feedback=feedback,
                moderator=request.user,
                action=action,
                reason=data["reason"],
                text=data["text"],
                response=data["response"],
                response_es=data["response_es"],
            )
        except ValidationError as error:
            field = {"withhold": "reason", "publish": "text", "respond": "response"}.get(action)
            form.add_error(field, error)
            return None
        return {
            "publish": gettext("Published. The comment stays here until you move on."),
            "withhold": gettext("Withheld. The comment stays here until you move on."),
            "flag": gettext("Flagged for internal follow-up. It is not published."),
        }[action]

    def _pending_keys(self, request: HttpRequest) -> list[str]:
        pending = self.get_queryset(request).filter(moderation_state=Feedback.Moderation.PENDING)
        return list(pending.order_by(*QUEUE_ORDER).values_list("comment_release__key", flat=True))

    @staticmethod
    def _following(queue: list[str], key: str) -> str | None:
        """The next comment awaiting review after this one, in queue order."""
        if key in queue:
            index = queue.index(key)
            rest = queue[index + 1 :] + queue[:index]
        else:
            rest = queue
        return rest[0] if rest else None


# --- read-only lists ------------------------------------------------------------------------------


class ReviewerListAdmin(AgencyScopedAdmin):
    """A read-only list for the agency's reviewers (whoever may read the comments)."""

    list_display_links = None
    actions = None
    show_full_result_count = False
    list_per_page = 50

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("feedback.view_feedback")

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("feedback.view_feedback")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None) -> HttpResponse:
        # Everything there is to read is in the list (a record's own page would name it by id,
        # and ids follow the order of arrival).
        self.get_object(request, object_id)  # 404 for another agency's record
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))


@admin.register(PrivateComment)
class PrivateCommentAdmin(ReviewerListAdmin):
    """Comments their authors kept private: "only the agency's reviewers read it"."""

    list_display = ["full_text", "month", "reached_queue"]
    search_fields = ["comment"]
    ordering = QUEUE_ORDER

    def get_queryset(self, request) -> QuerySet:
        queryset = released_comments(super().get_queryset(request))
        return queryset.filter(moderation_state=Feedback.Moderation.PRIVATE).select_related(
            "comment_release"
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": _("Private comments: for the agency's reviewers only, never published"),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("comment"))
    def full_text(self, obj: Feedback) -> str:
        return format_html('<div class="private-comment">{}</div>', obj.comment)

    @admin.display(description=_("month"))
    def month(self, obj: Feedback) -> str:
        return date_format(obj.interaction_month, "YEAR_MONTH_FORMAT")

    @admin.display(description=_("reached the agency"))
    def reached_queue(self, obj: Feedback) -> str:
        return date_format(obj.comment_release.released_on, "DATE_FORMAT")


@admin.register(Kudos)
class KudosAdmin(ReviewerListAdmin):
    """Thanks respondents chose to send to the officers of their call, batch by batch."""

    list_display = ["message_text", "addressed_to", "delivered"]
    list_filter = ["officers"]
    search_fields = ["message"]
    ordering = ["-released_on", "key"]

    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request).filter(released_on__isnull=False)
        return queryset.prefetch_related("officers")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": _("Thanks to officers, in the respondents' own words"),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("message"))
    def message_text(self, obj: Kudos) -> str:
        return format_html('<div class="kudos-message">{}</div>', obj.message)

    @admin.display(description=_("to"))
    def addressed_to(self, obj: Kudos) -> str:
        return ", ".join(sorted(o.display_name for o in obj.officers.all()))

    @admin.display(description=_("delivered"))
    def delivered(self, obj: Kudos) -> str:
        return date_format(obj.released_on, "DATE_FORMAT")


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(AgencyScopedAdmin):
    """Every decision, who took it and when: visible to agency admins."""

    list_display = ["decided_at", "action", "reason", "moderator", "comment_link"]
    list_display_links = None
    list_select_related = ["moderator", "feedback__agency", "feedback__comment_release"]
    list_filter = ["action", "reason"]
    actions = None

    @admin.display(description=_("comment"))
    def comment_link(self, obj: ModerationDecision) -> str:
        return format_html(
            '<a href="{}">{}</a>', moderation_url(obj.feedback), _excerpt(obj.feedback.comment)
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def object_url(self, obj: ModerationDecision) -> str:
        return moderation_url(obj.feedback)

    def change_view(self, request, object_id, form_url="", extra_context=None) -> HttpResponse:
        decision = self.get_object(request, object_id)  # 404 for another agency's record
        return redirect(moderation_url(decision.feedback))  # the comment's screen has its history


@admin.register(PublicResponse)
class PublicResponseAdmin(AgencyScopedAdmin):
    """The agency's public replies. Written on the moderation screen only, through the services."""

    list_display = ["response_text", "comment_link", "published_on", "author"]
    list_display_links = None
    list_select_related = ["author", "feedback__agency", "feedback__comment_release"]
    search_fields = ["body"]
    actions = None

    @admin.display(description=_("response"))
    def response_text(self, obj: PublicResponse) -> str:
        return _excerpt(obj.body)

    @admin.display(description=_("comment"))
    def comment_link(self, obj: PublicResponse) -> str:
        text = obj.feedback.published_text or obj.feedback.comment
        return format_html('<a href="{}">{}</a>', moderation_url(obj.feedback), _excerpt(text))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def object_url(self, obj: PublicResponse) -> str:
        return moderation_url(obj.feedback)

    def change_view(self, request, object_id, form_url="", extra_context=None) -> HttpResponse:
        response = self.get_object(request, object_id)  # 404 for another agency's record
        return redirect(moderation_url(response.feedback))
