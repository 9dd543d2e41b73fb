"""A bar chart as a PNG made with the standard library (zlib + struct): the bulletin's completions and overdue per
week for the DOCX, which cannot hold SVG that every Word reads. Bars and grid lines only, no text (no font
rasteriser needed); the DOCX prints the weeks and the figures in a table under the picture, and the PDF draws the
board's own SVG chart (api/pages/charts.weekly). Deliberately no Pillow or matplotlib for one picture."""
from __future__ import annotations

import struct
import zlib

GREEN, RED, GRID, AXIS, WHITE = (0x2E, 0x7D, 0x32), (0xC6, 0x28, 0x28), (0xDD, 0xDD, 0xDD), (0x77, 0x77, 0x77), \
    (0xFF, 0xFF, 0xFF)
SLOT, BAR, GAP, PLOT_H, PAD = 48, 16, 4, 180, 12


def weekly_png(weeks: list[dict]) -> bytes:
    """Pairs of columns per week (completed in green, overdue in red) over four grid lines, left to right."""
    n = max(1, len(weeks))
    width, height = PAD * 2 + SLOT * n, PAD * 2 + PLOT_H
    px = [bytearray(WHITE * width) for _ in range(height)]

    def fill(x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        for y in range(max(0, y0), min(height, y1)):
            row = px[y]
            for x in range(max(0, x0), min(width, x1)):
                row[3 * x:3 * x + 3] = bytes(colour)

    top = max([max(w["completed"], w["overdue"]) for w in weeks] + [1])
    step = max(1, -(-top // 4))
    top = step * 4
    base = PAD + PLOT_H
    for k in range(1, 5):
        y = base - PLOT_H * k // 4
        fill(PAD, y, width - PAD, y + 1, GRID)
    for i, w in enumerate(weeks):
        x = PAD + i * SLOT + (SLOT - 2 * BAR - GAP) // 2
        for j, (key, colour) in enumerate((("completed", GREEN), ("overdue", RED))):
            h = round(PLOT_H * w[key] / top)
            fill(x + j * (BAR + GAP), base - h, x + j * (BAR + GAP) + BAR, base, colour)
    fill(PAD, base, width - PAD, base + 2, AXIS)
    return encode(width, height, px)


def encode(width: int, height: int, rows: list[bytearray]) -> bytes:
    """An 8-bit RGB PNG of the rows (each width*3 bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
