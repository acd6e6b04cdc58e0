"""okrbot's Teams icons, drawn in code and written as PNG with the standard library.

Teams wants a 192×192 colour icon (the glyph on a solid background) and a 32×32
outline icon (white on a transparent background, nothing else). The glyph is a target:
a ring and its centre, for key results.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable

#: The colour icon's background; the manifest's accentColor is the same.
ACCENT = (0x4B, 0x53, 0xBC)
WHITE = (0xFF, 0xFF, 0xFF)

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG whose pixel (x, y) is ``pixel(x, y)``."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def _coverage(x: int, y: int, size: int, samples: int = 4) -> float:
    """How much of pixel (x, y) the target glyph covers (0..1), supersampled."""
    centre = size / 2
    outer, inner, dot = size * 0.40, size * 0.28, size * 0.13
    hits = 0
    for sy in range(samples):
        for sx in range(samples):
            px = x + (sx + 0.5) / samples
            py = y + (sy + 0.5) / samples
            r = math.hypot(px - centre, py - centre)
            if inner <= r <= outer or r <= dot:
                hits += 1
    return hits / (samples * samples)


def color_icon(size: int = 192) -> bytes:
    """The glyph in white on the accent colour, fully opaque."""
    def pixel(x: int, y: int) -> Pixel:
        c = _coverage(x, y, size)
        r, g, b = (round(a + (w - a) * c) for a, w in zip(ACCENT, WHITE, strict=True))
        return (r, g, b, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """The glyph in white on transparency: only alpha varies."""
    def pixel(x: int, y: int) -> Pixel:
        return (*WHITE, round(255 * _coverage(x, y, size)))

    return png(size, size, pixel)


__all__ = ["ACCENT", "color_icon", "outline_icon", "png"]
