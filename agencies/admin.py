from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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
from .services import InterestNotApprovable, agency_interest_approve


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "state", "ori", "published", "is_demo"]
    list_filter = ["published", "is_demo", "state"]
    search_fields = ["name", "city", "ori"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "agency"]
    search_fields = ["name", "code"]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "adopted_on", "agency"]
    list_filter = ["kind"]
    search_fields = ["title"]


@admin.register(Accreditation)
class AccreditationAdmin(admin.ModelAdmin):
    list_display = ["body", "status", "awarded_on", "agency"]
    list_filter = ["status"]


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "badge_number", "active", "agency"]
    list_filter = ["active"]
    search_fields = ["display_name", "badge_number"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role"]
    list_filter = ["role"]


@admin.register(AgencyInterest)
class AgencyInterestAdmin(admin.ModelAdmin):
    list_display = ["agency_name", "state", "contact_email", "status", "created_at"]
    list_filter = ["status", "state"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "city", "state", "confirmed", "created_on"]
    list_filter = ["confirmed"]


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
