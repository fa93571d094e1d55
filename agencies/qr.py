"""QR codes drawn as one SVG path (segno), so templates render them with auto-escaping, no |safe.

Pure: used for feedback cards and for staff enrolling an authenticator app.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

QUIET_ZONE = 4  # modules of white border the QR specification asks for


@dataclass(frozen=True)
class QrDrawing:
    size: int  # width and height in modules, quiet zone included
    path: str  # SVG path data: one horizontal stroke (1 module thick) per run of dark modules


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
