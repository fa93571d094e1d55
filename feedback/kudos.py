"""The survey's optional thank-you to the officers of the call (PRIVACY.md rule 8).

The respondent writes it and chooses to send it; it is stored apart from their answers
(`feedback.moderation.kudos_send`) and reaches staff in the daily batch, never picked by scores.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .moderation import KUDOS_MAX_LENGTH


class KudosForm(forms.Form):
    """The kudos field, a base of the survey form (templates/feedback/includes/kudos.html)."""

    kudos = forms.CharField(
        label=_("Send a thank-you to the officers who attended (optional)"),
        required=False,
        max_length=KUDOS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": KUDOS_MAX_LENGTH}),
        error_messages={
            "max_length": _(
                "Please shorten your thank-you to %(limit_value)d characters (it has "
                "%(show_value)d)."
            )
        },
    )
