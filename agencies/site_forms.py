"""Forms of the public site: the agency "Get started" request and the "Stay connected" sign-up."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import AgencyInterest


def _upper(value: str) -> str:
    return "".join(value.split()).upper()


class AgencyInterestForm(forms.ModelForm):
    class Meta:
        model = AgencyInterest
        fields = [
            "agency_name",
            "ori",
            "city",
            "state",
            "contact_name",
            "contact_role",
            "contact_email",
            "message",
        ]
        labels = {
            "agency_name": _("Agency name"),
            "ori": _("ORI code"),
            "city": _("City"),
            "state": _("State"),
            "contact_name": _("Your name"),
            "contact_role": _("Your role"),
            "contact_email": _("Your work e-mail"),
            "message": _("Anything else we should know?"),
        }
        help_texts = {
            "ori": _(
                "The 9-character FBI Originating Agency Identifier, e.g. CA0194200, if you know it."
            ),
            "state": _("Two letters, e.g. TX."),
            "contact_role": _("For example: chief, public information officer, analyst."),
            "contact_email": _("We send the invitation to this address."),
        }
        widgets = {
            "agency_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "ori": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "state": forms.TextInput(attrs={"autocomplete": "address-level1", "size": 3}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_role": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "message": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_ori(self) -> str:
        return _upper(self.cleaned_data["ori"])

    def clean_state(self) -> str:
        return _upper(self.cleaned_data["state"])

    def clean_contact_email(self) -> str:
        return self.cleaned_data["contact_email"].strip().lower()


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    city = forms.CharField(
        label=_("City"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    state = forms.RegexField(
        label=_("State"),
        required=False,
        regex=r"^[A-Za-z]{2}$",
        error_messages={"invalid": _("Use the two-letter state code, e.g. CA.")},
        help_text=_("Two letters, e.g. TX."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level1", "size": 3}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_state(self) -> str:
        return _upper(self.cleaned_data["state"])
