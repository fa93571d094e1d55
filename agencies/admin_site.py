"""The admin site agency staff work in: optional TOTP second factor and staff-only pages.

Installed through `agencies.admin_apps.StaffAdminConfig` (INSTALLED_APPS), so `admin.site`
is this site everywhere.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import update_wrapper

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Membership
from .qr import qr_drawing
from .roles import staff_agency, staff_membership
from .scoping import AgencyScopedAdmin, scope_queryset


class StaffLoginForm(OTPAuthenticationFormMixin, AdminAuthenticationForm):
    """Password, plus a TOTP token for staff who enrolled a device (SECURITY.md 13)."""

    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_challenge = forms.CharField(required=False)

    def _chosen_device(self, user):
        # Staff enrol one authenticator app (TOTP) at most: no device picker on the login form.
        return (
            super()._chosen_device(user)
            or TOTPDevice.objects.filter(user=user, confirmed=True).first()
        )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user):
            self.clean_otp(user)
        return cleaned


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class StaffAdminSite(admin.AdminSite):
    site_header = _("Open Policing — staff")
    site_title = _("Open Policing staff")
    index_title = _("Your agency's workspace")
    login_form = StaffLoginForm
    login_template = "admin/staff_login.html"

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Register on the agency-scoped base, whoever wrote the ModelAdmin (ours or a library)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AgencyScopedAdmin):
            admin_class = type(
                admin_class.__name__,
                (AgencyScopedAdmin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable:
        """Every staff page: a signed-in member whose role cannot see it gets a page that says so.

        Not the public 403: they are in the right place with the wrong role, and need to know
        whom to ask and where their own tasks are.
        """

        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied:
                if not self.has_permission(request):
                    raise
                return self.role_refused(request)

        return super().admin_view(update_wrapper(guarded, view), cacheable)

    def role_refused(self, request: HttpRequest) -> HttpResponse:
        membership = staff_membership(request.user)
        return TemplateResponse(
            request,
            "admin/role_refused.html",
            {
                **self.each_context(request),
                "title": _("Your role cannot see this page"),
                "membership": membership,
                "admins": (
                    Membership.objects.filter(
                        agency=membership.agency, role=Membership.Role.ADMIN
                    ).select_related("user")
                    if membership
                    else ()
                ),
            },
            status=403,
        )

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff with an enrolled device must have passed it at login (django-otp)."""
        if not super().has_permission(request):
            return False
        user = request.user
        return not user_has_device(user) or user.is_verified()

    def get_urls(self):
        return [
            path("two-step/", self.admin_view(self.otp_view), name="staff_otp"),
            # Django's "view on site" shortcut resolves any object by id: scope it first.
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            *super().get_urls(),
        ]

    def view_on_site(self, request: HttpRequest, content_type_id: int, object_id: str):
        """Redirect to an object's public page, if the staff member may see that object."""
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist as error:
            raise Http404 from error
        try:
            found = (
                model is not None
                and scope_queryset(model._default_manager.filter(pk=object_id), request).exists()
            )
        except (ValueError, TypeError, ValidationError) as error:  # an id of the wrong type
            raise Http404 from error
        if not found:
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def otp_view(self, request: HttpRequest) -> HttpResponse:
        """Let a staff member turn on (or off) a TOTP authenticator for their own account."""
        user = request.user
        confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        form = TokenForm(request.POST or None)
        if confirmed is not None:
            if request.method == "POST" and form.is_valid():
                if confirmed.verify_token(form.cleaned_data["token"]):
                    TOTPDevice.objects.filter(user=user).delete()
                    messages.success(request, _("Two-step sign-in is off."))
                    return redirect("admin:index")
                form.add_error("token", _("That code is not right. Try the current one."))
            context = {"enabled": True, "form": form}
        else:
            device, _created = TOTPDevice.objects.get_or_create(
                user=user, confirmed=False, defaults={"name": "authenticator"}
            )
            if request.method == "POST" and form.is_valid():
                if device.verify_token(form.cleaned_data["token"]):
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    otp_login(request, device)
                    messages.success(request, _("Two-step sign-in is on."))
                    return redirect("admin:index")
                form.add_error("token", _("That code is not right. Try the current one."))
            context = {
                "enabled": False,
                "form": form,
                "qr": qr_drawing(device.config_url),
                "secret": base64.b32encode(device.bin_key).decode(),
            }
        response = TemplateResponse(
            request,
            "admin/staff_otp.html",
            {**self.each_context(request), "title": _("Two-step sign-in"), **context},
        )
        return response

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        context["staff_agency"] = staff_agency(request.user)
        context["staff_tasks"] = staff_tasks(request)
        return context


@dataclass(frozen=True)
class Task:
    label: str
    url: str
    description: str


# (label, description, URL name, query string or args, permission): in the order a role meets them.
TASKS = (
    (
        _("Comments to review"),
        _("Read new comments, remove personal details, publish or withhold, answer publicly."),
        "admin:feedback_feedback_changelist",
        "?state=pending",
        "feedback.change_feedback",
    ),
    (
        _("Comments"),
        _("Every comment and decision, for oversight."),
        "admin:feedback_feedback_changelist",
        "?state=pending",
        "!feedback.change_feedback feedback.view_feedback",
    ),
    (
        _("Private comments"),
        _("Comments meant for your agency only, never published."),
        "admin:feedback_privatecomment_changelist",
        "",
        "feedback.view_feedback",
    ),
    (
        _("Thanks to officers"),
        _("Thank-you messages residents chose to send to the officers of their call."),
        "admin:feedback_kudos_changelist",
        "",
        "feedback.view_feedback",
    ),
    (
        _("Import calls"),
        _("Upload the calls from your dispatch (CAD) export."),
        "admin:feedback_servicecall_import",
        "",
        "feedback.add_servicecall",
    ),
    (
        _("Print feedback cards"),
        _("One card per call: pick the calls. Sensitive calls never get one."),
        "admin:feedback_servicecall_changelist",
        "?sensitive__exact=0",
        "feedback.generate_codes",
    ),
    (
        _("Print blank cards"),
        _("Cards to hand out at the front desk or an event."),
        "admin:feedback_codebatch_add",
        "",
        "feedback.generate_codes",
    ),
    (
        _("Results"),
        _("Scores from released months, the same as your public page, with breakdowns."),
        "admin:feedback_results",
        "",
        "feedback.view_results",
    ),
    (
        _("Printed cards and response rates"),
        _("Each printing and how many of its cards were used."),
        "admin:feedback_codebatch_changelist",
        "",
        "feedback.view_codebatch",
    ),
    (
        _("Colleagues"),
        _("Invite colleagues, change their role, remove them."),
        "admin:agencies_membership_changelist",
        "",
        "agencies.change_membership",
    ),
    (
        _("Agency profile and sensitive call types"),
        _("What your public page says, and the calls that never get a card."),
        "admin:agencies_agency_change",
        "agency",
        "agencies.change_agency",
    ),
)


def staff_tasks(request: HttpRequest) -> list[Task]:
    """The tasks the signed-in staff member's role allows, with their addresses."""
    user = getattr(request, "user", None)
    agency = staff_agency(user)
    if agency is None:
        return []
    tasks = []
    for label, description, name, extra, perms in TASKS:
        allowed = all(
            not user.has_perm(p[1:]) if p.startswith("!") else user.has_perm(p)
            for p in perms.split()
        )
        if not allowed:
            continue
        try:
            url = reverse(name, args=[agency.pk]) if extra == "agency" else reverse(name) + extra
        except NoReverseMatch:
            continue
        tasks.append(Task(str(label), url, str(description)))
    return tasks
