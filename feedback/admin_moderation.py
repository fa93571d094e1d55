"""The moderation screen: the queue of comments, decisions, redaction and public responses.

`FeedbackModerationAdmin` is the base of the registered Feedback admin (feedback/admin.py adds
the internal results to it). Staff never see one person's answers, nor which code was used.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.cache import agency_data_changed
from agencies.models import Officer
from agencies.scoping import AgencyScopedAdmin

from . import redaction
from .models import Feedback, ModerationDecision, PublicResponse
from .moderation import moderation_decide, public_response_save


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=ModerationDecision.Action.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Text to publish"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    reason = forms.ChoiceField(
        label=_("Reason for withholding"),
        choices=[("", "—")] + list(Feedback.WithheldReason.choices),
        required=False,
    )


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("Public response from the agency"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
    )


def _placeholders() -> dict:
    return {
        redaction.Kind.EMAIL: gettext("[e-mail removed]"),
        redaction.Kind.PHONE: gettext("[phone removed]"),
        redaction.Kind.ADDRESS: gettext("[address removed]"),
        redaction.Kind.PLATE: gettext("[plate removed]"),
        redaction.Kind.NAME: gettext("[name removed]"),
        redaction.Kind.HANDLE: gettext("[account removed]"),
        redaction.Kind.DIGITS: gettext("[number removed]"),
    }


KIND_LABELS = {
    redaction.Kind.EMAIL: _("e-mail"),
    redaction.Kind.PHONE: _("phone number"),
    redaction.Kind.ADDRESS: _("address"),
    redaction.Kind.PLATE: _("licence plate"),
    redaction.Kind.NAME: _("name"),
    redaction.Kind.HANDLE: _("social media account"),
    redaction.Kind.DIGITS: _("long number"),
}


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
    """The moderation queue: comments whose authors allowed publication, oldest first.

    Coarse context only (category, month): never the person's answers, demographics, district,
    officers, submission date, nor the code or call.
    """

    list_display = ["excerpt", "category", "month", "moderation_state", "answered", "agency"]
    list_display_links = ["excerpt"]
    list_filter = [StateFilter, "category"]
    search_fields = ["comment", "published_text"]
    ordering = ["submitted_on", "pk"]
    list_per_page = 50

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .filter(
                publish_consent=True,
                moderation_state__in=[
                    Feedback.Moderation.PENDING,
                    Feedback.Moderation.PUBLISHED,
                    Feedback.Moderation.WITHHELD,
                    Feedback.Moderation.SENSITIVE,
                ],
            )
        )
        return queryset.select_related("agency", "public_response")

    def changelist_view(self, request, extra_context=None):
        if "state" not in request.GET and not request.GET.get("q"):
            return redirect(f"{request.path}?state=pending")
        extra_context = {"title": _("Moderation queue: comments authors allowed to publish")}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("comment"))
    def excerpt(self, obj: Feedback) -> str:
        text = obj.published_text or obj.comment
        return text[:90] + ("…" if len(text) > 90 else "")

    @admin.display(description=_("month"))
    def month(self, obj: Feedback) -> str:
        return date_format(obj.interaction_month, "YEAR_MONTH_FORMAT")

    @admin.display(description=_("answered"), boolean=True)
    def answered(self, obj: Feedback) -> bool:
        return hasattr(obj, "public_response")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        """The moderation page for one comment (replaces the generic change form)."""
        feedback = self.get_object(request, object_id)  # 404 for another agency's comment
        if not self.has_view_or_change_permission(request, feedback):
            raise PermissionDenied
        can_moderate = self.has_change_permission(request, feedback)
        officers = Officer.objects.filter(agency=feedback.agency).values_list(
            "display_name", flat=True
        )
        findings = redaction.find_personal_data(feedback.comment, extra_names=officers)
        proposal = redaction.propose_redaction(
            feedback.comment, findings, placeholders=_placeholders()
        )
        moderation_form = ModerationForm(
            initial={"text": feedback.published_text or proposal, "action": "publish"}
        )
        existing = getattr(feedback, "public_response", None)
        response_form = ResponseForm(initial={"body": existing.body if existing else ""})

        if request.method == "POST":
            if not can_moderate:
                raise PermissionDenied
            if "respond" in request.POST:
                response_form = ResponseForm(request.POST)
                if response_form.is_valid():
                    try:
                        public_response_save(
                            feedback=feedback,
                            author=request.user,
                            body=response_form.cleaned_data["body"],
                        )
                    except ValidationError as error:
                        response_form.add_error("body", error)
                    else:
                        self.message_user(request, _("The response is published."))
                        return redirect(request.path)
            else:
                moderation_form = ModerationForm(request.POST)
                if moderation_form.is_valid():
                    try:
                        moderation_decide(
                            feedback=feedback,
                            moderator=request.user,
                            action=moderation_form.cleaned_data["action"],
                            reason=moderation_form.cleaned_data["reason"],
                            text=moderation_form.cleaned_data["text"],
                        )
                    except ValidationError as error:
                        moderation_form.add_error(None, error)
                    else:
                        self.message_user(request, _("Decision recorded."))
                        return redirect(self._next_in_queue(request, feedback))

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Moderate a comment"),
            "feedback": feedback,
            "month": date_format(feedback.interaction_month, "YEAR_MONTH_FORMAT"),
            "segments": [
                (text, KIND_LABELS.get(kind) if kind else None)
                for text, kind in redaction.segments(feedback.comment, findings)
            ],
            "findings": [(KIND_LABELS[f.kind], f.text) for f in findings],
            "proposal": proposal,
            "form": moderation_form,
            "response_form": response_form,
            "existing_response": existing,
            "decisions": feedback.decisions.select_related("moderator"),
            "can_moderate": can_moderate,
            "reasons": Feedback.WithheldReason.choices,
            "original": feedback,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/feedback/moderate.html", context)

    def _next_in_queue(self, request: HttpRequest, current: Feedback) -> str:
        following = (
            self.get_queryset(request)
            .filter(moderation_state=Feedback.Moderation.PENDING)
            .exclude(pk=current.pk)
            .order_by("submitted_on", "pk")
            .first()
        )
        if following is None:
            return reverse("admin:feedback_feedback_changelist") + "?state=pending"
        return reverse("admin:feedback_feedback_change", args=[following.pk])


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(AgencyScopedAdmin):
    """Every decision, who took it and when: visible to agency admins."""

    list_display = ["decided_at", "action", "reason", "moderator", "feedback"]
    list_select_related = ["moderator", "feedback__agency"]
    list_filter = ["action", "reason"]
    fields = ["feedback", "action", "reason", "text", "moderator", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PublicResponseForm(forms.ModelForm):
    class Meta:
        model = PublicResponse
        fields = ["feedback", "body", "published_on"]


@admin.register(PublicResponse)
class PublicResponseAdmin(AgencyScopedAdmin):
    form = PublicResponseForm
    list_display = ["__str__", "feedback", "published_on", "author"]
    list_select_related = ["author", "feedback__agency"]
    search_fields = ["body"]
    readonly_fields = ["author"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "feedback":
            kwargs["queryset"] = Feedback.objects.comments_published()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        obj.author = request.user
        super().save_model(request, obj, form, change)
        agency_id = obj.feedback.agency_id
        transaction.on_commit(lambda: agency_data_changed(agency_id))
