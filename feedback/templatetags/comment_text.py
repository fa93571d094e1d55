"""Template filters for published comments."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation

from feedback import redaction

register = template.Library()


def placeholders(language: str) -> dict[redaction.Kind, str]:
    """The redaction placeholders in `language` (the moderation screen proposes these)."""
    with translation.override(language):
        return {
            redaction.Kind.EMAIL: translation.gettext("[e-mail removed]"),
            redaction.Kind.PHONE: translation.gettext("[phone removed]"),
            redaction.Kind.ADDRESS: translation.gettext("[address removed]"),
            redaction.Kind.PLATE: translation.gettext("[plate removed]"),
            redaction.Kind.NAME: translation.gettext("[name removed]"),
            redaction.Kind.HANDLE: translation.gettext("[account removed]"),
            redaction.Kind.DIGITS: translation.gettext("[number removed]"),
        }


@register.filter
def placeholders_translated(text: str) -> str:
    """A published comment with its "[name removed]" placeholders in the page's language."""
    known = [redaction.DEFAULT_PLACEHOLDERS] + [
        placeholders(code) for code, _n in settings.LANGUAGES
    ]
    wanted = placeholders(translation.get_language() or settings.LANGUAGE_CODE)
    return redaction.relabel(str(text), known=known, wanted=wanted)
