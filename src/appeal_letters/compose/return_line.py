"""The return line's type size: the whole line shown in the window, never cut.

The line above the address (the sender's name and address, for the post office to return an
undeliverable letter) has two lines' room at the top of the window. It is set in 7 pt and
stepped down to 6.5 and 6 pt (DIN 5008's smallest) when the supporter's address needs it; an
address longer than two lines at 6 pt is an error that says by how much to shorten it, never a
line cut with "…" whose hidden part the post office cannot read.

Lines are filled word by word from the bundled faces' advance widths (no kerning, 5 % spare
room, a new line where the writing direction changes); the tests lay the lines out with
WeasyPrint and check that none takes more than its two lines.
"""

from __future__ import annotations

import functools
import unicodedata
from functools import cache

from fontTools.ttLib import TTFont

from ..assets import package_dir
from ..errors import RenderError
from ..model import Sender
from .layout import Layout
from .scripts import SCRIPT_FONTS, text_direction

#: Sizes tried, largest first (points).
SIZES = (7.0, 6.5, 6.0)
#: Lines the window keeps for the return address.
LINES = 2
#: The text width of the return line in each layout (mm): the address field's width less its
#: padding in letter.css.
WIDTH_MM: dict[str, float] = {"din": 80.0, "fr": 92.0, "us": 4.3 * 25.4}
_SPARE = 0.95
_PT_PER_MM = 72 / 25.4
#: Faces whose widths are known, in the order the letter's fonts fall back; other characters
#: count as one em (wider than most glyphs); combining marks as nothing.
_FACES = (
    "NotoSerif-Regular.ttf",
    "NotoNaskhArabic-Regular.ttf",
    *(f"{stem}-Regular.ttf" for stem, _ in SCRIPT_FONTS.values()),
)


@cache
def _advances() -> list[tuple[dict[int, str], dict[str, tuple[int, int]], int]]:
    found = []
    for name in _FACES:
        # Read what is needed and close the file (a cached font would hold it open).
        with TTFont(package_dir("fonts") / name, lazy=True) as font:
            found.append((font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm))
    return found


def text_width_em(text: str) -> float:
    """The width of ``text`` in ems, from the first bundled face that has each character."""
    total = 0.0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
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


def lines_needed(text: str, size_pt: float, width_pt: float) -> int:
    """Lines ``text`` takes when broken at spaces, as a browser fills lines (a word longer
    than a line is broken anywhere, as the stylesheet allows); a change of writing direction
    starts a new bidi run, which is given a line of its own to be safe."""
    lines, used = 1, 0.0
    space = text_width_em(" ") * size_pt
    direction = None
    for word in text.split(" "):
        width = text_width_em(word) * size_pt
        # Digits and punctuation take the direction around them; only letters turn it.
        word_direction = text_direction(word) if _strong(word) else direction
        turned = direction is not None and word_direction != direction and used > 0
        direction = word_direction
        if used and (used + space + width > width_pt or turned):
            lines += 1
            used = 0.0
        while width > width_pt:  # broken anywhere (overflow-wrap)
            lines += 1
            width -= width_pt
        used += (space if used else 0.0) + width
    return lines


def _strong(word: str) -> bool:
    """Whether ``word`` has letters, which set a writing direction (digits and punctuation
    take the one around them)."""
    return any(unicodedata.bidirectional(c) in ("L", "R", "AL") for c in word)


def direction_runs(text: str) -> int:
    """How many runs of one writing direction ``text`` has (digits and punctuation take the
    direction around them)."""
    runs, direction = 0, None
    for word in text.split():
        if _strong(word) and text_direction(word) != direction:
            runs += 1
            direction = text_direction(word)
    return max(runs, 1)


def return_line_size(sender: Sender, layout: Layout) -> float:
    """The largest size at which the sender's return line takes at most two lines."""
    return _size_for(return_line_text(sender), layout)


# A batch asks for each supporter's size several times (the template, the check before it).
@functools.lru_cache(maxsize=4096)
def _size_for(text: str, layout: Layout) -> float:
    width_pt = WIDTH_MM[layout] * _PT_PER_MM * _SPARE
    for size in SIZES:
        if lines_needed(text, size, width_pt) <= LINES:
            return size
    runs = direction_runs(text)
    if runs > LINES and lines_needed(text, SIZES[-1], width_pt * 100) > LINES:
        # Each change of writing direction takes a line: shortening would not help.
        raise RenderError(
            f"sender: the return address changes writing direction {runs - 1} times (for "
            "example a Latin street, an Arabic town and a Latin country name), and each part "
            f"takes a line of its own in the envelope window's {LINES}: write the address "
            "lines in one script, or put the parts in one direction together"
        )
    needed = text_width_em(text) * SIZES[-1] / _PT_PER_MM
    room = width_pt * LINES / _PT_PER_MM
    characters = len(text)
    shorter = max(1, round(max(needed - room, room / LINES / 4) * characters / needed))
    raise RenderError(
        f"sender: the return address ({characters} characters: name and address lines) does "
        f"not fit the envelope window's {LINES} lines even at {SIZES[-1]:g} pt (it needs about "
        f"{needed:.0f} mm of line, the window holds about {room:.0f} mm); shorten the address "
        f"lines by about {shorter} characters (abbreviate the street, leave out the country "
        "for letters posted in it)"
    )
