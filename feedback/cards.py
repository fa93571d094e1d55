"""Printable feedback cards: QR codes and mail-merge rows for freshly generated codes.

Pure (no ORM): the caller passes plaintext codes and the absolute link for each. The QR code is
drawn as one SVG path so that templates can render it with normal auto-escaping (no `|safe` needed).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agencies import csvfiles
from agencies.csvfiles import spreadsheet_safe  # noqa: F401 - kept importable from here
from agencies.qr import QrDrawing, qr_drawing


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
