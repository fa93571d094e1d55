"""The staff workspace: codes and cards, dispatch import, results (moderation: admin_moderation.py).

Every ModelAdmin derives from AgencyScopedAdmin (agencies/scoping.py): agency staff see and touch
only their own agency's records. Staff never see one person's answers, nor which code was used.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import District
from agencies.roles import is_agency_staff, staff_agency
from agencies.scoping import AgencyScopedAdmin, scope_queryset

from . import admin_results
from .admin_import import ImportViews
from .admin_moderation import FeedbackModerationAdmin
from .cards import IssuedBatch, cards_response
from .models import (
    CodeBatch,
    Feedback,
    ServiceCall,
)
from .releases import CodeIssueRefused, batch_response_rate
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
            try:
                batch, pairs = codes_issue(
                    agency=agency,
                    kind=CodeBatch.Kind.CALLS,
                    service_calls=eligible,
                    created_by=request.user,
                    valid_days=form.cleaned_data["expires_in_days"],
                )
            except CodeIssueRefused as refused:
                calls_named = ", ".join(refused.references)
                self.message_user(request, f"{refused.message} ({calls_named})", messages.ERROR)
                return None
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
            .annotate(
                used=Count("codes", filter=Q(codes__redeemed=True)),
                last_expiry=Max("codes__expires_on"),
            )
        )

    @admin.display(description=_("response rate"))
    def response_rate(self, obj: CodeBatch) -> str:
        return batch_response_rate(obj, used=obj.used, last_expiry=obj.last_expiry)

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


# --- comments (moderation lives in feedback/admin_moderation.py) and internal results ---------


@admin.register(Feedback)
class FeedbackAdmin(FeedbackModerationAdmin):
    """The moderation queue (FeedbackModerationAdmin) plus the agency's internal results."""

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

    # --- internal results ------------------------------------------------------------------

    def results_view(self, request: HttpRequest) -> HttpResponse:
        return admin_results.results_view(self, request)

    def results_csv_view(self, request: HttpRequest) -> HttpResponse:
        return admin_results.results_csv_view(self, request)
