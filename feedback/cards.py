"""Printable feedback cards: QR codes and mail-merge rows for freshly generated codes.

Pure (no ORM): the caller passes plaintext codes and the absolute link for each. The QR code is
drawn as one SVG path so that templates can render it with normal auto-escaping (no `|safe` needed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import segno

QUIET_ZONE = 4  # modules of white border the QR specification asks for


@dataclass(frozen=True)
class QrDrawing:
    size: int  # width and height in modules, quiet zone included
    path: str  # SVG path data: one horizontal stroke (1 module thick) per run of dark modules


@dataclass(frozen=True)
class Card:
    code: str
    url: str
    qr: QrDrawing
    district: str = ""


def qr_code(data: str) -> segno.QRCode:
    """Return the QR code for `data` (error correction M survives a smudged or folded card)."""
    return segno.make(data, error="m", micro=False, boost_error=False)


def qr_drawing(data: str) -> QrDrawing:
    """Return an SVG path drawing of the QR code for `data`."""
    qr = qr_code(data)
    commands: list[str] = []
    rows = list(qr.matrix_iter(border=QUIET_ZONE))
    for y, row in enumerate(rows):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                commands.append(f"M{start} {y}.5h{x - start}")
            else:
                x += 1
    return QrDrawing(size=len(rows), path="".join(commands))


def make_cards(codes: Iterable[tuple[str, str]], *, district: str = "") -> list[Card]:
    """Build cards from (code, absolute link) pairs."""
    return [Card(code=code, url=url, qr=qr_drawing(url), district=district) for code, url in codes]


def spreadsheet_safe(value: str) -> str:
    """Neutralise a cell that a spreadsheet would run as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def cards_csv(cards: Sequence[Card], *, agency_name: str, messages: dict[str, str]) -> str:
    """Return a CSV for text-message mail-merge: one row per card, one column per language.

    `messages` maps a language code to a template with `{agency}`, `{url}` and `{code}` fields.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    languages = sorted(messages)
    writer.writerow(["code", "link", "district", *[f"message_{lang}" for lang in languages]])
    for card in cards:
        texts = [
            messages[lang].format(agency=agency_name, url=card.url, code=card.code)
            for lang in languages
        ]
        row = [card.code, card.url, card.district, *texts]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
