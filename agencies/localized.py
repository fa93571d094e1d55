"""Agency-written text in the visitor's language, or the English original clearly marked.

Staff write each public text in English and may add a Spanish version in a paired `<field>_es`
column (the survey's questions do the same with `text_en` / `text_es`). Where the Spanish is
missing, a Spanish page shows the English with `lang="en"` and a visible "(in English)" note.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class Localized:
    text: str
    language: str  # the language `text` is written in
    is_fallback: bool  # the visitor asked for another language, which is missing


def localized(english: str, spanish: str, *, language: str | None = None) -> Localized:
    """Pick the Spanish version on Spanish pages when there is one, else the English original."""
    wanted = (language or get_language() or "en")[:2]
    if wanted == "es" and spanish.strip():
        return Localized(spanish, "es", False)
    return Localized(english, "en", wanted != "en" and bool(english.strip()))
