"""The staff workspace: codes and cards, dispatch import, results (moderation: admin_moderation.py).

Every ModelAdmin derives from AgencyScopedAdmin (agencies/scoping.py): agency staff see and touch
only their own agency's records. Staff never see one person's answers, nor which code was used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin

from agencies.models import District, Officer
from agencies.qr import qr_drawing
from agencies.roles import is_agency_staff, staff_agency
from agencies.scoping import AgencyScopedAdmin, scope_queryset
from surveys.scoring import MEASURES

from .admin_moderation import FeedbackModerationAdmin
from .cards import Card, cards_csv
from .models import (
    Category,
    CodeBatch,
    Feedback,
    Measure,
    ServiceCall,
)
from .results import agency_results, results_csv
from .services import codes_issue

MAX_BLANK_CARDS = 500


@dataclass(frozen=True)
class IssuedBatch:
    """What one printing produced: the batch and its plaintext codes (this response only)."""

    batch: CodeBatch
    codes: list[tuple[str, str]]  # (code, district name)
    skipped_sensitive: int = 0


# --- dispatch import -----------------------------------------------------------------------------


class CategoryWidget(widgets.Widget):
    """Accept a category by key ("traffic_stop") or English/Spanish label ("Traffic stop")."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().casefold()
        for key, label in Category.choices:
            names = {key, str(label).casefold()}
            with translation.override("es"):
                names.add(str(label).casefold())
            if text in names or text.replace(" ", "_") == key:
                return key
        raise ValueError(gettext("Unknown category “%(value)s”.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return value or ""


class AgencyDistrictWidget(widgets.ForeignKeyWidget):
    agency = None

    def clean(self, value, row=None, **kwargs):
        name = str(value or "").strip()
        if not name:
            return None
        district = District.objects.filter(agency=self.agency).filter(
            Q(name__iexact=name) | Q(code__iexact=name)
        )
        found = district.first()
        if found is None:
            raise ValueError(gettext("Unknown district “%(value)s”.") % {"value": name})
        return found


class AgencyOfficersWidget(widgets.ManyToManyWidget):
    agency = None

    def clean(self, value, row=None, **kwargs):
        badges = [b.strip() for b in str(value or "").split(self.separator) if b.strip()]
        officers = Officer.objects.filter(agency=self.agency, badge_number__in=badges)
        missing = sorted(set(badges) - {o.badge_number for o in officers})
        if missing:
            raise ValueError(
                gettext("Unknown officer badge number(s): %(badges)s.")
                % {"badges": ", ".join(missing)}
            )
        return officers


class ServiceCallResource(resources.ModelResource):
    """CAD export columns: reference, date, category, call_type, district, officers (badges; ;)."""

    reference = fields.Field(attribute="reference", column_name="reference")
    occurred_on = fields.Field(
        attribute="occurred_on",
        column_name="date",
        widget=widgets.DateWidget(format="%Y-%m-%d"),
    )
    category = fields.Field(attribute="category", column_name="category", widget=CategoryWidget())
    call_type = fields.Field(attribute="call_type", column_name="call_type")
    district = fields.Field(
        attribute="district",
        column_name="district",
        widget=AgencyDistrictWidget(District, field="name"),
    )
    officers = fields.Field(
        attribute="officers",
        column_name="officers",
        widget=AgencyOfficersWidget(Officer, field="badge_number", separator=";"),
    )

    class Meta:
        model = ServiceCall
        fields = ("reference", "occurred_on", "category", "call_type", "district", "officers")
        import_id_fields = ("reference",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def __init__(self, agency=None, **kwargs):
        super().__init__(**kwargs)
        self.agency = agency
        self.fields["district"].widget.agency = agency
        self.fields["officers"].widget.agency = agency

    def get_queryset(self):
        # (agency, reference) is the identity: re-importing a file finds the same rows.
        return ServiceCall.objects.filter(agency=self.agency)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors.update(error.error_dict)
        try:
            # Officers are saved after the row, so check them now to report a row error.
            self.fields["officers"].clean(row)
        except ValueError as error:
            errors["officers"] = ValidationError(str(error))
        instance.agency = self.agency
        call_type = (instance.call_type or "").strip().casefold()
        instance.sensitive = bool(call_type) and call_type in self.agency.sensitive_types()
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is not None and original.sensitive != instance.sensitive:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)


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


def cards_response(
    request: HttpRequest, issued: IssuedBatch, *, output: str, paper: str
) -> HttpResponse:
    """The only place plaintext codes ever exist: this one response (never cached)."""
    agency = issued.batch.agency
    # /f/<code> and /feedback/ are the public entry points fixed by the feedback flow (issue 3);
    # SITE_URL is the public address printed on cards, whatever host staff work on.
    site = settings.SITE_URL.rstrip("/")
    cards = []
    for code, district in issued.codes:
        url = f"{site}/f/{code}"
        cards.append(Card(code, url, qr_drawing(url), district))
    if output == "csv":
        messages_by_language = {}
        for language in ("en", "es"):
            with translation.override(language):
                messages_by_language[language] = gettext(
                    "{agency} would like your feedback on your recent contact. It is anonymous "
                    "and takes two minutes: {url}"
                )
        body = cards_csv(cards, agency_name=agency.name, messages=messages_by_language)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="codes-{agency.slug}-{issued.batch.pk}.csv"'
        )
    else:
        instructions = gettext_noop(
            "Tell us how we did. Scan the code or visit the address and type your code. "
            "Anonymous, 2 minutes."
        )
        with translation.override("en"):
            instructions_en = gettext(instructions)
        with translation.override("es"):
            instructions_es = gettext(instructions)
        entry_url = f"{site}/feedback/"
        response = TemplateResponse(
            request,
            "staff/card_sheet.html",
            {
                "agency": agency,
                "batch": issued.batch,
                "cards": cards,
                "paper": paper,
                "entry_url": entry_url,
                "instructions_en": instructions_en,
                "instructions_es": instructions_es,
                "skipped_sensitive": issued.skipped_sensitive,
            },
        )
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ServiceCall)
class ServiceCallAdmin(ImportExportMixin, AgencyScopedAdmin):
    resource_classes = [ServiceCallResource]
    import_template_name = "admin/feedback/servicecall_import.html"
    list_display = ["reference", "category", "occurred_on", "district", "sensitive", "agency"]
    list_select_related = ["district", "agency"]
    list_filter = ["category", "sensitive", "district", "agency"]
    search_fields = ["reference", "call_type"]
    date_hierarchy = "occurred_on"
    filter_horizontal = ["officers"]
    actions = ["generate_codes"]
    readonly_fields = ["sensitive"]

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**kwargs, "agency": staff_agency(request.user)}

    def has_import_permission(self, request: HttpRequest) -> bool:
        # Import is for agency staff: every imported row belongs to their agency.
        return staff_agency(request.user) is not None and self.has_add_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change) -> None:
        agency = staff_agency(request.user) if is_agency_staff(request.user) else obj.agency
        if agency is not None:
            obj.sensitive = (obj.call_type or "").strip().casefold() in agency.sensitive_types()
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
            eligible = [c for c in calls if not c.sensitive]
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
        sensitive = sum(1 for c in calls if c.sensitive)
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
