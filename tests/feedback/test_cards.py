"""QR cards: the drawing on a card decodes to the card's link. Pure, no database."""

import csv
import io
import re
import struct
import zlib

import zxingcpp

from agencies.qr import qr_code, qr_drawing
from feedback.cards import cards_csv, make_cards, spreadsheet_safe

URL = "https://openpolicing.example/f/7K3M-Q9TX-2B4R-8"


def decode_png_grey(data: bytes) -> tuple[bytes, int, int]:
    """Decode a non-interlaced PNG (greyscale 1/8-bit, RGB or RGBA 8-bit) into 8-bit grey."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert interlace == 0
        elif kind == b"IDAT":
            idat += body
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    bits_per_pixel = depth * channels
    stride = (width * bits_per_pixel + 7) // 8
    bpp = max(1, bits_per_pixel // 8)
    raw = zlib.decompress(idat)
    prev = bytearray(stride)
    grey = bytearray()
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            upleft = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else upleft
                line[i] = (line[i] + pred) & 255
        prev = line
        for x in range(width):
            if depth == 1:
                grey.append(255 if (line[x // 8] >> (7 - x % 8)) & 1 else 0)
            else:
                px = line[x * channels : x * channels + min(channels, 3)]
                grey.append(sum(px) // len(px))
    return bytes(grey), width, height


def read_qr(grey: bytes, width: int, height: int) -> list[str]:
    image = zxingcpp.ImageView(grey, width, height, zxingcpp.ImageFormat.Lum)
    return [result.text for result in zxingcpp.read_barcodes(image)]


def rasterise_drawing(size: int, path: str, scale: int = 4) -> tuple[bytes, int, int]:
    """Paint the card's SVG path (M x y.5 h n strokes, one module thick) onto a grey bitmap."""
    width = size * scale
    pixels = bytearray([255]) * (width * width)
    for x, y, run in re.findall(r"M(\d+) (\d+)\.5h(\d+)", path):
        for row in range(int(y) * scale, (int(y) + 1) * scale):
            start = row * width + int(x) * scale
            pixels[start : start + int(run) * scale] = bytes(int(run) * scale)
    return bytes(pixels), width, width


def test_segno_png_of_a_card_link_decodes_to_the_link():
    buffer = io.BytesIO()
    qr_code(URL).save(buffer, kind="png", scale=4, border=4)
    assert read_qr(*decode_png_grey(buffer.getvalue())) == [URL]


def test_svg_drawing_on_a_card_decodes_to_the_link():
    (card,) = make_cards([("7K3M-Q9TX-2B4R-8", URL)])
    assert card.qr.path.startswith("M")
    assert read_qr(*rasterise_drawing(card.qr.size, card.qr.path)) == [URL]


def test_drawing_has_the_quiet_zone_around_the_symbol():
    drawing = qr_drawing(URL)
    assert drawing.size == qr_code(URL).symbol_size(border=4)[0]
    assert "M0 " not in drawing.path and " 0.5h" not in drawing.path


def test_csv_has_one_row_per_card_with_messages_in_each_language():
    cards = make_cards([("AAAA-BBBB-CCCC-D", URL)], district="North")
    text = cards_csv(
        cards,
        agency_name="Trustville Police",
        messages={"en": "{agency}: tell us {url}", "es": "{agency}: díganos {url} ({code})"},
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [
        {
            "code": "AAAA-BBBB-CCCC-D",
            "link": URL,
            "district": "North",
            "message_en": f"Trustville Police: tell us {URL}",
            "message_es": f"Trustville Police: díganos {URL} (AAAA-BBBB-CCCC-D)",
        }
    ]


def test_csv_cells_cannot_become_spreadsheet_formulas():
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("North") == "North"
    text = cards_csv(make_cards([("A", URL)], district="@evil"), agency_name="X", messages={})
    assert "'@evil" in text
