"""Embedded fonts for letters assembled from parts: the body's subsets and the supporter's.

WeasyPrint subsets the bundled fonts keeping the glyph ids of the font files, so a body laid
out once and a supporter's lines laid out apart use the same glyph ids for the same glyphs.
A body's subset of each face is written once, in its template; a supporter's lines use it
when it holds all their glyphs of that face, else a subset of their own (the same in all of
that supporter's letters). One subset per letter holding both, as before, cost a subset cut
and compressed for every letter. Subsets are cut with HarfBuzz (uharfbuzz) from the bundled
files stripped to the tables a PDF viewer reads, and cached: letters that need the same glyphs
share the bytes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pikepdf import Name

from ..assets import package_dir
from .objects import CannotAssemble, Objects, stream_object

#: The bundled font files, by the name WeasyPrint gives their subsets (the CSS family and style).
FONT_FILES = {
    "Letter-Serif": "NotoSerif-Regular.ttf",
    "Letter-Serif-Bold": "NotoSerif-Bold.ttf",
    "Letter-Serif-Italic": "NotoSerif-Italic.ttf",
    "Letter-Arabic": "NotoNaskhArabic-Regular.ttf",
    "Letter-Arabic-Bold": "NotoNaskhArabic-Bold.ttf",
    "Letter-Hebrew": "NotoSerifHebrew-Regular.ttf",
    "Letter-Hebrew-Bold": "NotoSerifHebrew-Bold.ttf",
    "Letter-Devanagari": "NotoSerifDevanagari-Regular.ttf",
    "Letter-Devanagari-Bold": "NotoSerifDevanagari-Bold.ttf",
    "Letter-Thai": "NotoSerifThai-Regular.ttf",
    "Letter-Thai-Bold": "NotoSerifThai-Bold.ttf",
    "Letter-Georgian": "NotoSerifGeorgian-Regular.ttf",
    "Letter-Georgian-Bold": "NotoSerifGeorgian-Bold.ttf",
    "Letter-Armenian": "NotoSerifArmenian-Regular.ttf",
    "Letter-Armenian-Bold": "NotoSerifArmenian-Bold.ttf",
}

#: Tables a TrueType font embedded as a CIDFontType2 with an identity CID map needs.
KEPT_TABLES = ("head", "hhea", "maxp", "OS/2", "hmtx", "loca", "glyf", "post")


def face_of(base_font: str) -> str:
    """``/ABCDEF+Letter-Serif`` -> ``Letter-Serif``."""
    return base_font.lstrip("/").split("+", 1)[-1]


def subset_tag(data: bytes) -> str:
    """Six capital letters from the font's bytes, so different subsets get different names."""
    return "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])


def parse_widths(array: Iterable[Any]) -> dict[int, float] | None:
    """A CIDFont /W array as {cid: width}; None if it is malformed."""
    found: dict[int, float] = {}
    items = list(array)
    index = 0
    try:
        while index < len(items):
            first = int(items[index])
            following = items[index + 1]
            if isinstance(following, int):
                for cid in range(first, following + 1):
                    found[cid] = float(items[index + 2])
                index += 3
            else:
                for offset, width in enumerate(following):
                    found[first + offset] = float(width)
                index += 2
    except (IndexError, TypeError, ValueError):
        return None
    return found


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def parse_to_unicode(cmap: bytes) -> dict[int, str] | None:
    """A ToUnicode CMap's single-code entries as {cid: hex UTF-16}; None if it has ranges."""
    if b"beginbfrange" in cmap:
        return None
    found: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        for code, value in _PAIR.findall(block):
            found.setdefault(int(code, 16), value.decode("ascii").lower())
    return found


def to_unicode_cmap(entries: Mapping[int, str]) -> bytes:
    """A ToUnicode CMap for 2-byte CIDs (at most 100 entries per block, as the spec asks)."""
    items = sorted(entries.items())
    blocks = []
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines = "\n".join(f"<{cid:04x}> <{value}>" for cid, value in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{lines}\nendbfchar\n")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
        + "".join(blocks)
        + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def widths_array(widths: Mapping[int, float]) -> bytes:
    """{cid: width} as a /W array, runs of consecutive CIDs grouped."""
    parts: list[str] = []
    run: list[str] = []
    first = previous = -2
    for cid in sorted(widths):
        if cid != previous + 1 and run:
            parts.append(f"{first} [{' '.join(run)}]")
            run = []
        if not run:
            first = cid
        run.append(_number(widths[cid]))
        previous = cid
    if run:
        parts.append(f"{first} [{' '.join(run)}]")
    return ("[" + " ".join(parts) + "]").encode("ascii")


_W_RUN = re.compile(rb"(\d+) \[([^\]]*)\]")


def parse_widths_text(text: bytes) -> dict[int, float]:
    """The inside of a /W array as :func:`widths_array` writes it, back as {cid: width}."""
    return {
        int(first) + offset: float(width)
        for first, run in _W_RUN.findall(text)
        for offset, width in enumerate(run.split())
    }


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.4f}".rstrip("0")


@functools.cache
def _stripped_face(face: str) -> Any:
    """The bundled font as a HarfBuzz face, cut down to the tables a PDF needs (once)."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    program = TTFont(str(package_dir("fonts") / FONT_FILES[face]), recalcTimestamp=False)
    for tag in list(program.keys()):
        if tag != "GlyphOrder" and tag not in KEPT_TABLES:
            del program[tag]
    data = io.BytesIO()
    program.save(data)
    return hb.Face(hb.Blob(data.getvalue()))


@functools.cache
def glyph_chars(face: str) -> dict[int, frozenset[str]]:
    """For each glyph id of a bundled face, the characters its cmap draws with it.

    A glyph drawn for text that reaches it through no character (a ligature, an ellipsis a
    cut line gets) or through several (a space and a no-break space) can read as different
    text in different documents: the ToUnicode map of a document holds one entry per glyph.
    """
    from fontTools.ttLib import TTFont

    found: dict[int, set[str]] = {}
    with TTFont(str(package_dir("fonts") / FONT_FILES[face]), lazy=True) as program:
        for code, name in (program.getBestCmap() or {}).items():
            found.setdefault(program.getGlyphID(name), set()).add(chr(code))
    return {gid: frozenset(chars) for gid, chars in found.items()}


@dataclass(frozen=True)
class FontProgram:
    """A subset ready to embed: compressed bytes, uncompressed length, the name to give it."""

    compressed: bytes
    length: int
    base_font: str

    @property
    def stream(self) -> bytes:
        """The body of a FontFile2 stream object holding it."""
        return (
            b"<< /Filter /FlateDecode /Length1 %d /Length %d >>\nstream\n"
            % (self.length, len(self.compressed))
            + self.compressed
            + b"\nendstream"
        )


# Letters whose supporters add the same few glyphs to a body share one (about 11 KB each).
@functools.lru_cache(maxsize=2048)
def font_program(face: str, gids: frozenset[int]) -> FontProgram:
    """``face`` cut down to ``gids`` (and the glyphs they are built from), ids kept."""
    import uharfbuzz as hb

    plan = hb.SubsetInput()
    for gid in gids:  # Set.update is not known to exist at the uharfbuzz floor (0.40)
        plan.glyph_set.add(gid)
    plan.flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NO_HINTING
    data = hb.subset(_stripped_face(face), plan).blob.data
    # Level 1: 5 % bigger than 6 and half the time, which a letter pays for each new subset.
    return FontProgram(zlib.compress(data, 1), len(data), f"{subset_tag(data)}+{face}")


@dataclass
class Face:
    """One font face as a part uses it: glyph widths and Unicode values, and its dictionaries."""

    widths: dict[int, float]
    to_unicode: dict[int, str]
    type0: bytes  # the Type0 font dictionary without BaseFont, DescendantFonts and ToUnicode
    cid_font: bytes  # the CIDFont dictionary without BaseFont, W and FontDescriptor
    descriptor: bytes  # the font descriptor without FontName and FontFile2


def font_glyphs(font: Any) -> tuple[str, dict[int, float], dict[int, str]]:
    """A WeasyPrint font dictionary's face, glyph widths and Unicode values.

    CannotAssemble if it is not one of the bundled fonts or not in the form WeasyPrint writes.
    """
    face = face_of(str(font.get(Name.BaseFont, "")))
    descendants = font.get(Name.DescendantFonts)
    if face not in FONT_FILES or descendants is None or Name.ToUnicode not in font:
        raise CannotAssemble(f"font {face!r} is not one of the bundled fonts")
    widths = parse_widths(descendants[0].get(Name.W, []))
    to_unicode = parse_to_unicode(font.ToUnicode.read_bytes())
    if widths is None or to_unicode is None:
        raise CannotAssemble(f"font {face!r}: widths or Unicode map in an unexpected form")
    return face, widths, to_unicode


def read_face(font: Any, objects: Objects) -> tuple[str, Face]:
    """A WeasyPrint font dictionary as a :class:`Face`; CannotAssemble if it is not ours."""
    face, widths, to_unicode = font_glyphs(font)
    cid_font = font.DescendantFonts[0]

    def without(dictionary: Any, *names: str) -> bytes:
        return objects.dump_dict({k: v for k, v in dictionary.items() if k not in names})

    return face, Face(
        widths,
        to_unicode,
        without(font, "/BaseFont", "/DescendantFonts", "/ToUnicode"),
        without(cid_font, "/BaseFont", "/W", "/FontDescriptor"),
        without(cid_font.FontDescriptor, "/FontName", "/FontFile2", "/CIDSet"),
    )


def write_font(
    objects: Objects,
    numbers: list[int],
    face: str,
    base: Face,
    widths: dict[int, float],
    to_unicode: dict[int, str],
) -> None:
    """A Type0 font and its four objects at ``numbers``: a subset holding exactly ``widths``."""
    program = font_program(face, frozenset(widths))
    width_array, cmap_stream = _font_tables(
        tuple(sorted(widths.items())), tuple(sorted(to_unicode.items()))
    )
    name = bytes(Name("/" + program.base_font).unparse())
    type0, cid, descriptor, file, cmap = numbers
    objects.put(
        type0,
        base.type0[:-2]
        + b"/BaseFont %s\n/DescendantFonts [%d 0 R]\n/ToUnicode %d 0 R\n>>" % (name, cid, cmap),
    )
    objects.put(
        cid,
        base.cid_font[:-2]
        + b"/BaseFont %s\n/FontDescriptor %d 0 R\n/W %s\n>>" % (name, descriptor, width_array),
    )
    objects.put(
        descriptor, base.descriptor[:-2] + b"/FontName %s\n/FontFile2 %d 0 R\n>>" % (name, file)
    )
    objects.put(file, program.stream, stream=True)
    objects.put(cmap, cmap_stream, stream=True)


@functools.lru_cache(maxsize=1024)
def _font_tables(
    widths: tuple[tuple[int, float], ...], to_unicode: tuple[tuple[int, str], ...]
) -> tuple[bytes, bytes]:
    """A font's /W array and its ToUnicode stream (letters of one supporter share them)."""
    cmap = zlib.compress(to_unicode_cmap(dict(to_unicode)))
    return widths_array(dict(widths)), stream_object(b"<< /Filter /FlateDecode >>", cmap)
