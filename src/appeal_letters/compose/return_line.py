"""The return line's type size: the whole line shown in the window, never cut.

The line above the address (the sender's name and address, for the post office to return an
undeliverable letter) has two lines' room at the top of the window. It is set in 7 pt and
stepped down to 6.5 and 6 pt (DIN 5008's smallest) when the supporter's address needs it; an
address longer than two lines at 6 pt is an error that says by how much to shorten it, never a
line cut with "…" whose hidden part the post office cannot read.

Widths are measured from the bundled faces' advance widths (no kerning, 5 % spare room, a fifth
of a line for word wrapping); the tests lay the lines out with WeasyPrint and check that none
takes more than its two lines.
"""

from __future__ import annotations

from functools import cache

from fontTools.ttLib import TTFont

from ..assets import package_dir
from ..errors import RenderError
from ..model import Sender
from .layout import Layout

#: Sizes tried, largest first (points).
SIZES = (7.0, 6.5, 6.0)
#: Lines the window keeps for the return address.
LINES = 2
#: The text width of the return line in each layout (mm): the address field's width less its
#: padding in letter.css.
WIDTH_MM: dict[str, float] = {"din": 80.0, "fr": 92.0, "us": 4.3 * 25.4}
_SPARE = 0.95
_PT_PER_MM = 72 / 25.4
#: Faces whose widths are known; other characters count as one em (wider than most glyphs).
_FACES = ("NotoSerif-Regular.ttf", "NotoNaskhArabic-Regular.ttf")


@cache
def _advances() -> list[tuple[dict[int, str], dict[str, tuple[int, int]], int]]:
    found = []
    for name in _FACES:
        font = TTFont(package_dir("fonts") / name, lazy=True)
        found.append((font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm))
    return found


def text_width_em(text: str) -> float:
    """The width of ``text`` in ems, from the first bundled face that has each character."""
    total = 0.0
    for char in text:
        for cmap, metrics, upem in _advances():
            glyph = cmap.get(ord(char))
            if glyph is not None:
                total += metrics[glyph][0] / upem
                break
        else:
            total += 1.0
    return total


def return_line_text(sender: Sender) -> str:
    return ", ".join([sender.name, *sender.address])


def return_line_size(sender: Sender, layout: Layout) -> float:
    """The largest size at which the sender's return line takes at most two lines."""
    width_em = text_width_em(return_line_text(sender))
    # A fifth of a line is kept for the word that does not fit at the end of the first line.
    room_pt = WIDTH_MM[layout] * _PT_PER_MM * (LINES - 0.2) * _SPARE
    for size in SIZES:
        if width_em * size <= room_pt:
            return size
    needed = width_em * SIZES[-1] / _PT_PER_MM
    room = room_pt / _PT_PER_MM
    characters = len(return_line_text(sender))
    shorter = max(1, round((needed - room) * characters / needed))
    raise RenderError(
        f"sender: the return address ({characters} characters: name and address lines) needs "
        f"{needed:.0f} mm of line at {SIZES[-1]:g} pt and the envelope window's {LINES} lines "
        f"hold about {room:.0f} mm; shorten the address lines by about {shorter} characters "
        "(abbreviate the street, leave out the country for letters posted in it)"
    )
