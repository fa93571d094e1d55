"""The staff workspace: moderation, public responses, codes and cards, dispatch import, results.

Every ModelAdmin derives from AgencyScopedAdmin (agencies/scoping.py): agency staff see and touch
only their own agency's records. Staff never see one person's answers, nor which code was used.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.cache import agency_data_changed
from agencies.models import District, Officer
from agencies.roles import is_agency_staff, staff_agency
from agencies.scoping import AgencyScopedAdmin, scope_queryset
from surveys.scoring import MEASURES

from . import redaction
from .admin_import import ImportViews
from .cards import IssuedBatch, cards_response
from .models import (
    CodeBatch,
    Feedback,
    Measure,
    ModerationDecision,
    PublicResponse,
    ServiceCall,
)
from .moderation import moderation_decide, public_response_save
from .results import agency_results, results_csv
from .services import codes_issue

MAX_BLANK_CARDS = 500


# --- service calls and codes ---------------------------------------------------------------------


class CardOutputForm(forms.Form):
    OUTPUT_CHOICES = [
        ("sheet", _("Printable card sheet")),
        ("csv", _("CSV for text-message mail-merge")),
    ]
    PAPER_CHOICES = [("letter", _("US Letter")), ("a4", _("A4"))]
    output = forms.ChoiceField(label=_("Output"), choices=OUTPUT_CHOICES, initial="sheet")
    paper = forms.ChoiceField(label=_("Paper size"), choices=PAPER_CHOICES, initial="letter")
    expires_in_days = forms.IntegerField(
        label=_("Codes expire after (days)"),
        min_value=1,
        max_value=365,
        initial=settings.FEEDBACK_CODE_DAYS,
    )


class BlankCardsForm(CardOutputForm):
    count = forms.IntegerField(
        label=_("Number of cards"), min_value=1, max_value=MAX_BLANK_CARDS, initial=20
    )
    district = forms.ModelChoiceField(
        label=_("District (optional)"), queryset=District.objects.none(), required=False
    )

    field_order = ["count", "district", "output", "paper", "expires_in_days"]

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if districts is not None:
            self.fields["district"].queryset = districts


@admin.register(ServiceCall)
class ServiceCallAdmin(AgencyScopedAdmin):
    change_list_template = "admin/feedback/servicecall/change_list.html"
    list_display = [
        "reference",
        "category",
        "call_type",
        "occurred_on",
        "district",
        "sensitive",
        "agency",
    ]
    list_select_related = ["district", "agency"]
    list_filter = ["category", "sensitive", "district", "agency"]
    search_fields = ["reference", "call_type", "call_code"]
    date_hierarchy = "occurred_on"
    filter_horizontal = ["officers"]
    actions = ["generate_codes"]
    readonly_fields = ["sensitive", "why_sensitive"]

    def get_urls(self):
        return [*ImportViews(self).urls(), *super().get_urls()]

    def has_import_permission(self, request: HttpRequest) -> bool:
        # Import is for agency staff: every imported row belongs to their agency.
        return staff_agency(request.user) is not None and self.has_add_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra = {"has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    @admin.display(description=_("why sensitive"))
    def why_sensitive(self, obj: ServiceCall) -> str:
        if obj.pk is None:
            return "—"
        return obj.sensitive_reason() or gettext("Not sensitive")

    def save_model(self, request, obj, form, change) -> None:
        agency = staff_agency(request.user) if is_agency_staff(request.user) else obj.agency
        if agency is not None:
            obj.sensitive = bool(agency.sensitive_reason(obj.call_type, obj.call_code))
        super().save_model(request, obj, form, change)

    @admin.action(
        description=_("Print feedback cards for the selected calls"),
        permissions=["generate_codes"],
    )
    def generate_codes(self, request: HttpRequest, queryset):
        agency = staff_agency(request.user)
        if agency is None:
            self.message_user(request, _("Only agency staff can print cards."), messages.ERROR)
            return None
        calls = list(queryset.select_related("district"))
        form = CardOutputForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            eligible = [c for c in calls if c.may_receive_code(agency)]
            if not eligible:
                self.message_user(
                    request, _("No codes: every selected call is sensitive."), messages.WARNING
                )
                return None
            batch, pairs = codes_issue(
                agency=agency,
                kind=CodeBatch.Kind.CALLS,
                service_calls=eligible,
                created_by=request.user,
                valid_days=form.cleaned_data["expires_in_days"],
            )
            issued = IssuedBatch(
                batch=batch,
                codes=[(code, call.district.name if call.district else "") for code, call in pairs],
                skipped_sensitive=len(calls) - len(eligible),
            )
            if not issued.codes:
                self.message_user(
                    request, _("No codes: every selected call is sensitive."), messages.WARNING
                )
                return None
            return cards_response(
                request,
                issued,
                output=form.cleaned_data["output"],
                paper=form.cleaned_data["paper"],
            )
        sensitive = sum(1 for c in calls if not c.may_receive_code(agency))
        return TemplateResponse(
            request,
            "admin/feedback/generate_cards.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Print feedback cards"),
                "form": form,
                "calls": calls,
                "eligible": len(calls) - sensitive,
                "sensitive": sensitive,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def has_generate_codes_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("feedback.generate_codes")


@admin.register(CodeBatch)
class CodeBatchAdmin(AgencyScopedAdmin):
    """Batches with their response rate; never which code was used (PRIVACY.md)."""

    list_display = ["created_at", "kind", "district", "size", "response_rate", "agency"]
    list_filter = ["kind", "district", "agency"]
    fields = ["kind", "district", "size", "response_rate", "created_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("district", "agency")
            .annotate(used=Count("codes", filter=Q(codes__redeemed=True)))
        )

    @admin.display(description=_("response rate"))
    def response_rate(self, obj: CodeBatch) -> str:
        # A rate over a handful of codes says who answered; show it only from k codes up.
        if obj.size < settings.MIN_PUBLIC_RESPONSES:
            return gettext("shown from %(k)s codes") % {"k": settings.MIN_PUBLIC_RESPONSES}
        return f"{round(100 * obj.used / obj.size)} %"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("feedback.generate_codes") and super().has_add_permission(
            request
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """N blank cards for the agency, optionally for one district."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        agency = staff_agency(request.user)
        if agency is None:
            raise PermissionDenied
        districts = scope_queryset(District.objects.all(), request)
        form = BlankCardsForm(request.POST or None, districts=districts)
        if request.method == "POST" and form.is_valid():
            district = form.cleaned_data["district"]
            batch, pairs = codes_issue(
                agency=agency,
                kind=CodeBatch.Kind.BLANK,
                count=form.cleaned_data["count"],
                district=district,
                created_by=request.user,
                valid_days=form.cleaned_data["expires_in_days"],
            )
            name = district.name if district else ""
            issued = IssuedBatch(batch=batch, codes=[(code, name) for code, _call in pairs])
            return cards_response(
                request,
                issued,
                output=form.cleaned_data["output"],
                paper=form.cleaned_data["paper"],
            )
        return TemplateResponse(
            request,
            "admin/feedback/blank_cards.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Print blank feedback cards"),
                "form": form,
            },
        )


# --- moderation ----------------------------------------------------------------------------------


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


@admin.register(Feedback)
class FeedbackAdmin(AgencyScopedAdmin):
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

    def get_urls(self):
        return [
            path(
                "results/",
                self.admin_site.admin_view(self.results_view),
                name="feedback_results",
            ),
            path(
                "results.csv",
                self.admin_site.admin_view(self.results_csv_view),
                name="feedback_results_csv",
            ),
            *super().get_urls(),
        ]

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

    # --- internal results ------------------------------------------------------------------

    def _results_or_403(self, request: HttpRequest):
        agency = staff_agency(request.user)
        if not request.user.has_perm("feedback.view_results") or agency is None:
            raise PermissionDenied
        return agency, agency_results(agency=agency)

    def results_view(self, request: HttpRequest) -> HttpResponse:
        agency, results = self._results_or_403(request)
        labels = dict(Measure.choices)
        return TemplateResponse(
            request,
            "admin/feedback/results.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Results for %(agency)s") % {"agency": agency.name},
                "agency": agency,
                "results": results,
                "measures": [(m, labels.get(m, m)) for m in MEASURES],
                "breakdowns": [
                    (_("By district"), results.breakdowns["district"]),
                    (_("By call category"), results.breakdowns["category"]),
                    (_("By officer"), results.breakdowns["officer"]),
                ],
            },
        )

    def results_csv_view(self, request: HttpRequest) -> HttpResponse:
        agency, results = self._results_or_403(request)
        response = HttpResponse(results_csv(results), content_type="text/csv; charset=utf-8")
        stamp = dt.date.today().isoformat()
        response["Content-Disposition"] = (
            f'attachment; filename="results-{agency.slug}-{stamp}.csv"'
        )
        return response


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
