"""The dispatch (CAD) import of the staff workspace: how a file's rows become service calls."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from import_export import fields, resources, widgets

from agencies.models import District, Officer

from .models import Category, ServiceCall


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
