"""Which of the bundled faces for other scripts a letter needs, and which way text runs.

Names come in many scripts. Noto Serif and Noto Naskh Arabic cover the letter's own languages;
a face for Hebrew, Devanagari, Thai, Georgian or Armenian is added to a letter only when its
text has characters of that script, so the usual letter does not pay for five more faces.
The choice does not change how any other text is laid out: the faces come after the two
main ones, and only characters they lack fall back to them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

#: CSS family (see letter.css) -> the file stem of its faces and the code points it covers.
SCRIPT_FONTS: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {
    "Letter Hebrew": ("NotoSerifHebrew", ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))),
    "Letter Devanagari": ("NotoSerifDevanagari", ((0x0900, 0x097F), (0xA8E0, 0xA8FF))),
    "Letter Thai": ("NotoSerifThai", ((0x0E00, 0x0E7F),)),
    "Letter Georgian": (
        "NotoSerifGeorgian",
        ((0x10A0, 0x10FF), (0x1C90, 0x1CBF), (0x2D00, 0x2D2F)),
    ),
    "Letter Armenian": ("NotoSerifArmenian", ((0x0530, 0x058F), (0xFB13, 0xFB17))),
}


def script_fonts(texts: Iterable[str | None]) -> list[tuple[str, str]]:
    """(CSS family, file stem) of each script face the texts need, in a fixed order."""
    found = {ord(char) for text in texts if text for char in text if ord(char) >= 0x0530}
    return [
        (family, stem)
        for family, (stem, ranges) in SCRIPT_FONTS.items()
        if any(low <= code <= high for code in found for low, high in ranges)
    ]


def text_direction(text: object) -> str:
    """``rtl`` if the text's first strong character is right-to-left, else ``ltr``."""
    for char in str(text):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def bidi_groups(parts: Sequence[str], separator: str = ", ") -> list[str]:
    """``parts`` joined with ``separator`` wherever neighbours run in the same direction: each
    group is then one bidi run (see the template's address_runs)."""
    groups: list[tuple[str, list[str]]] = []
    for part in parts:
        direction = text_direction(part)
        if groups and groups[-1][0] == direction:
            groups[-1][1].append(part)
        else:
            groups.append((direction, [part]))
    return [separator.join(members) for _, members in groups]
