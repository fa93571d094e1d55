"""Per-agency isolation for every admin page (SECURITY.md 19–21).

`AgencyScopedAdmin` is the base of every ModelAdmin in the project. For agency staff it limits the
change list, change/delete/history views (another agency's record is a 404, exactly like a record
that does not exist), foreign-key and many-to-many choices, list filters, search, autocomplete,
actions and exports to the staff member's agency, and sets the agency of a new record on the
server. Operators (superusers without a membership) see everything.

A model's way to its agency is found by introspection: the model itself (Agency), a foreign key
named `agency`, or a chain of foreign keys that leads to one (PublicResponse → Feedback → Agency).
Models without such a path (users, the survey instrument, sign-ups) are operators' data: agency
staff get an empty queryset for them whatever their permissions say.
"""

from __future__ import annotations

from functools import cache

from django.contrib import admin
from django.db import models
from django.http import Http404, HttpRequest

from .models import Agency
from .roles import is_agency_staff, staff_agency


@cache
def agency_path(model: type[models.Model], depth: int = 3) -> str | None:
    """Return the ORM lookup from `model` to its Agency ("pk", "agency", "feedback__agency")."""
    if model is Agency:
        return "pk"
    fields = [f for f in model._meta.fields if f.is_relation and f.many_to_one or f.one_to_one]
    for field in fields:
        if field.name == "agency" and field.related_model is Agency:
            return "agency"
    if depth <= 1:
        return None
    for field in fields:
        related = field.related_model
        if related is None or related is model or related._meta.app_label in ("auth",):
            continue
        if field.null:
            # A nullable link does not tie a record to one agency (e.g. a code batch's district).
            continue
        path = agency_path(related, depth - 1)
        if path is not None:
            return f"{field.name}__{path}" if path != "pk" else field.name
    return None


def scope_queryset(queryset: models.QuerySet, request: HttpRequest) -> models.QuerySet:
    """Limit `queryset` to the agency of the requesting staff member (no-op for operators)."""
    if not is_agency_staff(request.user):
        return queryset
    agency = staff_agency(request.user)
    path = agency_path(queryset.model)
    if agency is None or path is None:
        return queryset.none()
    return queryset.filter(**{path: agency.pk})


class AgencyScopedAdmin(admin.ModelAdmin):
    """Base ModelAdmin: agency staff see and touch only their own agency's records."""

    # Fields agency staff may see but not change (e.g. an agency's slug or published flag).
    staff_readonly_fields: tuple[str, ...] = ()
    # Facet counts would put small counts on screen; the k-rule forbids that (PRIVACY.md).
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return scope_queryset(super().get_queryset(request), request)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Another agency's record looks exactly like one that does not exist.
            raise Http404
        return obj

    # --- forms -----------------------------------------------------------------------------
    def _scoped_choices(self, db_field: models.Field, request: HttpRequest, kwargs: dict) -> None:
        if not is_agency_staff(request.user):
            return
        related = db_field.related_model
        base = kwargs.get("queryset")
        if base is None:
            base = related._default_manager.all()
        kwargs["queryset"] = scope_queryset(base, request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scoped_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _has_agency_field(self) -> bool:
        return any(f.name == "agency" for f in self.model._meta.fields)

    def get_exclude(self, request: HttpRequest, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        if is_agency_staff(request.user) and self._has_agency_field():
            exclude.append("agency")
        return exclude

    def get_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_fields(request, obj))
        if is_agency_staff(request.user) and self._has_agency_field() and "agency" in fields:
            fields.remove("agency")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if is_agency_staff(request.user):
            readonly += [f for f in self.staff_readonly_fields if f not in readonly]
        return readonly

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if is_agency_staff(request.user) and self._has_agency_field():
            # Set on the server, never from a form field (SECURITY.md 20).
            obj.agency = staff_agency(request.user)
        super().save_model(request, obj, form, change)

    # --- change list -----------------------------------------------------------------------
    def get_list_display(self, request: HttpRequest):
        display = list(super().get_list_display(request))
        if is_agency_staff(request.user) and "agency" in display:
            display.remove("agency")
        return display

    def get_list_filter(self, request: HttpRequest):
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                field = self.model._meta.get_field(item)
                if field.is_relation:
                    if item == "agency" and is_agency_staff(request.user):
                        continue
                    # Only values present in the (scoped) change list: no other agency's names.
                    item = (item, admin.RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters


class AgencyScopedInline(admin.options.InlineModelAdmin):
    """Base for inlines: rows and foreign-key choices limited like AgencyScopedAdmin's."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return scope_queryset(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if is_agency_staff(request.user):
            base = kwargs.get("queryset", db_field.related_model._default_manager.all())
            kwargs["queryset"] = scope_queryset(base, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if is_agency_staff(request.user):
            base = kwargs.get("queryset", db_field.related_model._default_manager.all())
            kwargs["queryset"] = scope_queryset(base, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
