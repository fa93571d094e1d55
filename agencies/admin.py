"""Admin for agencies and their people. Every ModelAdmin is agency-scoped (agencies/scoping.py)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .cache import agency_data_changed
from .models import (
    Accreditation,
    Agency,
    AgencyInterest,
    District,
    Membership,
    Officer,
    Policy,
    Subscriber,
)
from .roles import is_agency_staff
from .scoping import AgencyScopedAdmin
from .sensitive import NATIONAL_KINDS
from .services import InterestNotApprovable, agency_interest_approve
from .services_colleagues import (
    ColleagueRefused,
    colleague_invite,
    colleague_remove,
    colleague_role_change,
)
from .siteurl import public_base_url


class PublicDataAdmin(AgencyScopedAdmin):
    """An admin whose records appear on the Agency Page: a save makes the page stale."""

    def _changed(self, obj, *, gone: str = "") -> None:
        agency_id = obj.pk if isinstance(obj, Agency) else obj.agency_id
        # Cached pages are found by slug: a renamed or deleted agency's old address must go
        # stale too, or it would keep serving its page from the cache.
        extra = {"slugs": [gone]} if gone else {}
        transaction.on_commit(lambda: agency_data_changed(agency_id, **extra))

    def save_model(self, request, obj, form, change) -> None:
        renamed = isinstance(obj, Agency) and change and form.initial.get("slug", obj.slug)
        super().save_model(request, obj, form, change)
        self._changed(obj, gone=renamed if renamed and renamed != obj.slug else "")

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        self._changed(obj, gone=obj.slug if isinstance(obj, Agency) else "")

    def delete_queryset(self, request, queryset) -> None:
        objects = list(queryset)
        super().delete_queryset(request, queryset)
        for obj in objects:
            self._changed(obj, gone=obj.slug if isinstance(obj, Agency) else "")


@admin.register(Agency)
class AgencyAdmin(PublicDataAdmin):
    list_display = ["name", "city", "state", "ori", "published", "is_demo"]
    list_filter = ["published", "is_demo", "state"]
    search_fields = ["name", "city", "ori"]
    prepopulated_fields = {"slug": ["name"]}
    staff_readonly_fields = ("slug", "ori", "published", "is_demo")
    exclude = ["cad_import_mapping"]
    readonly_fields = ["national_sensitive_kinds"]

    @admin.display(description=_("national list of sensitive call types"))
    def national_sensitive_kinds(self, obj: Agency | None = None) -> str:
        return format_html_join(
            "\n",
            "<p><strong>{}</strong>: {}{}</p>",
            (
                (
                    kind.label,
                    ", ".join(kind.keywords),
                    f"; {_('codes')} {', '.join(kind.cad_codes)}" if kind.cad_codes else "",
                )
                for kind in NATIONAL_KINDS
            ),
        )

    def get_fields(self, request: HttpRequest, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "national_sensitive_kinds"]
        at = (
            fields.index("sensitive_call_types")
            if "sensitive_call_types" in fields
            else len(fields)
        )
        return [*fields[:at], "national_sensitive_kinds", *fields[at:]]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if "sensitive_call_types" in form.changed_data:
            # Calls imported before a kind was added are protected from now on.
            from feedback.services_import import service_calls_mark_sensitive

            marked = service_calls_mark_sensitive(agency=obj)
            if marked:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s service call changed its sensitive mark.",
                        "%(count)s service calls changed their sensitive mark.",
                        marked,
                    )
                    % {"count": marked},
                )

    def get_prepopulated_fields(self, request, obj=None):
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)


@admin.register(District)
class DistrictAdmin(PublicDataAdmin):
    list_display = ["name", "code", "agency"]
    list_select_related = ["agency"]
    search_fields = ["name", "code"]
    list_filter = ["agency"]


@admin.register(Policy)
class PolicyAdmin(PublicDataAdmin):
    list_display = ["title", "kind", "adopted_on", "agency"]
    list_select_related = ["agency"]
    list_filter = ["kind", "agency"]
    search_fields = ["title"]


@admin.register(Accreditation)
class AccreditationAdmin(PublicDataAdmin):
    list_display = ["body", "status", "awarded_on", "agency"]
    list_select_related = ["agency"]
    list_filter = ["status", "agency"]
    search_fields = ["body"]


@admin.register(Officer)
class OfficerAdmin(AgencyScopedAdmin):
    list_display = ["display_name", "badge_number", "active", "agency"]
    list_select_related = ["agency"]
    list_filter = ["active", "agency"]
    search_fields = ["display_name", "badge_number"]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "agency", "role"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user.is_superuser:
            raise forms.ValidationError(
                _("Agency staff are never superusers: use a separate account for operating.")
            )
        return user


class ColleagueRoleForm(forms.ModelForm):
    """What an agency admin may change about a colleague: the role, nothing else."""

    class Meta:
        model = Membership
        fields = ["role"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", "—"), *Membership.Role.choices],
        help_text=_(
            "Moderator: comments, cards and calls. Analyst: results. Agency admin: the agency's "
            "profile, officers, districts and colleagues."
        ),
    )


@admin.register(Membership)
class MembershipAdmin(AgencyScopedAdmin):
    """Colleagues. Agency admins invite, change roles and remove through services_colleagues."""

    form = MembershipForm
    change_list_template = "admin/agencies/membership/change_list.html"
    list_display = ["colleague", "email", "role", "agency", "created_at"]
    list_display_links = ["colleague"]
    list_select_related = ["user", "agency"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    staff_readonly_fields = ("user",)

    @admin.display(description=_("colleague"), ordering="user__last_name")
    def colleague(self, obj: Membership) -> str:
        return obj.user.get_full_name() or obj.user.get_username()

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, obj: Membership) -> str:
        return obj.user.email

    def get_form(self, request, obj=None, change=False, **kwargs):
        if is_agency_staff(request.user):
            kwargs["form"] = ColleagueRoleForm
            kwargs["fields"] = ["role"]
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if is_agency_staff(request.user):
            return ["user", "role"]
        return super().get_fields(request, obj)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not is_agency_staff(request.user):
            return super().add_view(request, form_url, extra_context)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                membership = colleague_invite(
                    by=request.user, base_url=public_base_url(request), **form.cleaned_data
                )
            except ColleagueRefused as refusal:
                form.add_error("email", str(refusal))
            else:
                self.message_user(
                    request,
                    _("Invitation sent to %(email)s, as %(role)s.")
                    % {"email": membership.user.email, "role": membership.get_role_display()},
                    messages.SUCCESS,
                )
                return redirect("admin:agencies_membership_changelist")
        return TemplateResponse(
            request,
            "admin/agencies/membership/invite.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Invite a colleague"),
                "form": form,
            },
        )

    def save_model(self, request, obj, form, change) -> None:
        if is_agency_staff(request.user):
            try:
                colleague_role_change(by=request.user, membership=obj, role=obj.role)
            except ColleagueRefused as refusal:
                raise PermissionDenied(str(refusal)) from refusal
            return
        super().save_model(request, obj, form, change)
        if not obj.user.is_staff:
            obj.user.is_staff = True
            obj.user.save(update_fields=["is_staff"])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PermissionDenied as refusal:
            if not str(refusal) or not is_agency_staff(request.user):
                raise
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect(request.path)

    def delete_model(self, request, obj) -> None:
        if is_agency_staff(request.user):
            colleague_remove(by=request.user, membership=obj)
            return
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        if is_agency_staff(request.user):
            for membership in queryset:
                colleague_remove(by=request.user, membership=membership)
            return
        super().delete_queryset(request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ColleagueRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect("admin:agencies_membership_changelist")

    def response_action(self, request, queryset):
        try:
            return super().response_action(request, queryset)
        except ColleagueRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect("admin:agencies_membership_changelist")


@admin.register(AgencyInterest)
class AgencyInterestAdmin(AgencyScopedAdmin):
    list_display = ["agency_name", "state", "contact_email", "status", "created_at"]
    list_filter = ["status", "state"]
    search_fields = ["agency_name", "contact_email"]


@admin.register(Subscriber)
class SubscriberAdmin(AgencyScopedAdmin):
    list_display = ["email", "city", "state", "confirmed", "created_on"]
    list_filter = ["confirmed"]
    search_fields = ["email"]


# --- site ---
# Approving an agency's "Get started" request creates the unpublished agency and its first admin,
# and e-mails the invitation (agencies.services.agency_interest_approve). Operators only.
@admin.action(
    description=_("Approve: create the agency and invite its admin"), permissions=["approve"]
)
def approve_interests(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[AgencyInterest]
) -> None:
    for interest in queryset.filter(status=AgencyInterest.Status.NEW):
        try:
            agency = agency_interest_approve(interest=interest)
        except InterestNotApprovable as refusal:
            modeladmin.message_user(request, f"{interest}: {refusal}", messages.ERROR)
        else:
            modeladmin.message_user(
                request,
                _("%(agency)s created (unpublished); invitation sent to %(email)s.")
                % {"agency": agency, "email": interest.contact_email},
                messages.SUCCESS,
            )


def _operators_only(modeladmin: admin.ModelAdmin, request: HttpRequest) -> bool:
    return request.user.is_superuser


AgencyInterestAdmin.actions = [*(AgencyInterestAdmin.actions or ()), approve_interests]
AgencyInterestAdmin.has_approve_permission = _operators_only
