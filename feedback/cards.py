"""Printable feedback cards: QR codes and mail-merge rows for freshly generated codes.

No ORM: the caller passes plaintext codes and the absolute link for each (or an issued batch, for
`cards_response`). The QR code is drawn as one SVG path so that templates can render it with
normal auto-escaping (no `|safe` needed).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from agencies import csvfiles
from agencies.csvfiles import spreadsheet_safe  # noqa: F401 - kept importable from here
from agencies.qr import QrDrawing, qr_drawing
from agencies.siteurl import public_base_url

if TYPE_CHECKING:
    from .models import CodeBatch


@dataclass(frozen=True)
class Card:
    code: str
    url: str
    qr: QrDrawing
    district: str = ""


def make_cards(codes: Iterable[tuple[str, str]], *, district: str = "") -> list[Card]:
    """Build cards from (code, absolute link) pairs."""
    return [Card(code=code, url=url, qr=qr_drawing(url), district=district) for code, url in codes]


def cards_csv(cards: Sequence[Card], *, agency_name: str, messages: dict[str, str]) -> str:
    """Return a CSV for text-message mail-merge: one row per card, one column per language.

    `messages` maps a language code to a template with `{agency}`, `{url}` and `{code}` fields.
    """
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\r\n")
    languages = sorted(messages)
    writer.writerow(["code", "link", "district", *[f"message_{lang}" for lang in languages]])
    for card in cards:
        texts = [
            messages[lang].format(agency=agency_name, url=card.url, code=card.code)
            for lang in languages
        ]
        row = [card.code, card.url, card.district, *texts]
        writer.writerow(row)
    return out.getvalue()


@dataclass(frozen=True)
class IssuedBatch:
    """What one printing produced: the batch and its plaintext codes (this response only)."""

    batch: CodeBatch
    codes: list[tuple[str, str]]  # (code, district name)
    skipped_sensitive: int = 0


def cards_response(
    request: HttpRequest, issued: IssuedBatch, *, output: str, paper: str
) -> HttpResponse:
    """The only place plaintext codes ever exist: this one response (never cached)."""
    agency = issued.batch.agency
    # /f/<code> and /feedback/ are the public entry points fixed by the feedback flow (issue 3);
    # The public address printed on cards (agencies/siteurl.py), whatever host staff work on.
    site = public_base_url(request)
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
