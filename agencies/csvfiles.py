"""The one CSV writer: every CSV file the project produces goes through it (SECURITY.md 27).

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula, and a leading tab or
carriage return lets one slip past the check of some spreadsheets. Comments, agency, district and
officer names are typed by people the reader of the file does not control, so any text cell that
begins with one of these characters gets a leading apostrophe, which spreadsheets show as text
(OWASP's recommendation). Numbers passed as numbers (int, float, Decimal) are left alone, so a
negative score stays a number; pass figures as numbers, never as pre-formatted strings that might
start with a minus sign.

This module has no project imports, so every app (agencies, surveys, feedback) can use it.
`tests/test_csv_writer_everywhere.py` fails if any module calls `csv.writer` itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def spreadsheet_safe(value: object) -> object:
    """Neutralise a text cell that a spreadsheet would run as a formula; other values unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` with every cell passed through `spreadsheet_safe` (same writerow API)."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)  # the one call of csv.writer in the project

    @property
    def dialect(self) -> Any:
        return self._writer.dialect

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, *, lineterminator: str = "\r\n", **options: Any) -> SafeWriter:
    """A safe CSV writer on `out` (a text stream); options as for `csv.writer`."""
    return SafeWriter(out, lineterminator=lineterminator, **options)


def to_csv(
    header: Sequence[object], rows: Iterable[Iterable[object]], *, lineterminator: str = "\r\n"
) -> str:
    """The whole file as one string: a header row, then the rows (for small files)."""
    out = io.StringIO()
    w = writer(out, lineterminator=lineterminator)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()
