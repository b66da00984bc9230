"""Supporters' lines drawn from shaped text, on the places a laid-out sample gives.

A supporter's own lines (name, address, return line, introduction, the name under the
signature) are one-line boxes at fixed places in fonts and sizes the stylesheet sets. One
supporter of each *shape* (which of those lines they have, the return line's type size) is
laid out in full, as before; that sample gives each line's place and computed style
(:func:`..render.lines.sample_lines`), and every other supporter of the same shape has their
lines drawn there by :class:`..render.LineDrawer` instead of laid out: about 2 ms a supporter
instead of 20 to 40.

Nothing is copied into Python from the stylesheet: a template change moves the sample and so
the drawn lines. Before a sample is trusted, its own lines are drawn again and must give the
bytes, glyph widths and Unicode map WeasyPrint wrote; otherwise that shape is laid out, with
the reason. A supporter whose lines are not of a simple kind (a right-to-left letter, a line
in the other direction, a text that would wrap or needs a face the sample did not use) is
laid out too, and the reason is counted (``Part.laid_out``).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import lxml.etree
import lxml.html
from pikepdf import Name

from ..compose import Composer, Layout, return_line_size
from ..errors import RenderError
from ..model import Campaign, Recipient, Sender
from ..pdf import Face, Part
from ..render import CannotDraw, LineDrawer, PdfRenderer, SampleLine, sample_lines
from .bodies import IntroZone, Unshared, layout_personal, page_content

#: The classes of the elements whose text is a supporter's own line (the template's names).
ROLES = frozenset({"sender-name", "sender-address", "return-text", "introduction", "signer"})

#: Supporters of one shape tried as its sample before the shape is given up as undrawable.
TRIES = 3

#: zlib level of drawn content streams: WeasyPrint's (pydyf compresses at 9), so that a letter
#: has the same bytes whether its supporter's lines were drawn, were the sample, or were laid out
#: with others' (which of these happens depends on who came first).
COMPRESSION = 9

_TEXT_OBJECT = re.compile(rb"\nBT\n.*?\nET(?=\n)", re.S)
_COLLAPSIBLE = re.compile(r"[ \t\n\r\f]+")

#: (page, role, text) of each of a supporter's texts (one per element, maybe several lines),
#: or of each line once cut, in the order they are painted.
Lines = tuple[tuple[int, str, str], ...]
#: layout, language, type scale, introduction's place, the return line's style, the faces for
#: other scripts the supporter's letter loads (its font list): a supporter's texts have the same
#: style and room in every letter of a group.
Group = tuple[Layout, str, float, IntroZone, str, tuple[str, ...]]


@dataclass
class Sample:
    """A supporter's lines laid out in full, as the places for others' lines of that shape."""

    part: Part
    lines: list[SampleLine]
    contents: tuple[bytes, bytes]  # the two pages' drawing, decoded
    faces: tuple[dict[str, str], dict[str, str]]  # each page's font names -> face
    between: list[list[bytes]] = field(init=False)  # each page's drawing around its text
    fonts: list[list[set[bytes]]] = field(init=False)  # the fonts each text object names

    def __post_init__(self) -> None:
        self.between = [_TEXT_OBJECT.split(content) for content in self.contents]
        self.fonts = [
            [_fonts_named(found) for found in _TEXT_OBJECT.findall(content)]
            for content in self.contents
        ]


@dataclass
class LineArtist:
    """One worker's samples and drawer (inherited through fork: each process learns its own)."""

    drawer: LineDrawer = field(default_factory=LineDrawer)
    #: group -> each role's style and room, read from the first sample laid out in it
    styles: dict[Group, dict[str, tuple[Any, float]]] = field(default_factory=dict)
    #: (group, the lines' places) -> the sample there, or why that shape is not drawn
    samples: dict[Any, Sample | str] = field(default_factory=dict)
    failures: dict[Group, int] = field(default_factory=dict)  # samples that could not serve


def supporters_lines(html: str, count: int) -> list[tuple[Lines, str] | str]:
    """Each supporter's lines and return-line style in a composed personal part, or why they
    cannot be drawn (mixed content, a line in the other direction, a right-to-left letter)."""
    root = lxml.html.document_fromstring(html)
    if root.get("dir", "ltr") != "ltr":
        return ["a right-to-left letter"] * count
    sheets = root.xpath("//body/div[@class='sheet']")
    mains = root.xpath("//body/main")
    if len(sheets) != count or len(mains) != count:
        return ["the template's personal part is not one sheet and one signature each"] * count
    found: list[tuple[Lines, str] | str] = []
    for sheet, main in zip(sheets, mains, strict=True):
        lines: list[tuple[int, str, str]] = []
        why = None
        elements = [(0, e) for e in sheet.iter(lxml.etree.Element)]  # not comments
        for page, element in elements + [(1, e) for e in main.iter(lxml.etree.Element)]:
            role = element.get("class") or ""
            text = _collapsed(element.text)
            tail = _collapsed(element.tail)
            if tail and element not in (sheet, main):
                why = "text between a line's parts"
            elif text and (role not in ROLES or len(element)):
                why = f"a line of another kind ({role or element.tag})"
            elif role in ROLES and text:
                lines.append((page, role, text))
        returns = sheet.xpath(".//p[contains(@class, 'return-line')]")
        style = returns[0].get("style", "") if returns else ""
        found.append(why or (tuple(lines), style))
    return found


def _collapsed(text: str | None) -> str:
    """Text as CSS's ``white-space: normal`` shows it in a line of its own."""
    return _COLLAPSIBLE.sub(" ", text or "").strip(" ")


def learn(
    artist: LineArtist, group: Group, part: Part, document: Any, texts: Lines
) -> Sample | str:
    """A supporter's lines laid out alone as the sample for their shape, once checked: cut and
    drawn again, they must give exactly what WeasyPrint wrote. A sample that cannot serve is
    tried again with the next supporter, up to ``TRIES`` times in a group; then the group's
    supporters are laid out, with the reason."""
    placed = [line for line in sample_lines(document) if line.role in ROLES]
    styles = artist.styles.setdefault(group, {})
    for line in placed:
        styles.setdefault(line.role, (line.style, line.room))
    why = "the laid-out lines are not the template's text cut as WeasyPrint cuts it"
    try:
        found = cut(artist, group, texts)
    except CannotDraw as exc:
        found, why = None, f"its lines cannot be drawn ({exc})"
    lines = found[0] if found else None
    if lines is not None and [(line.page, line.role, line.text) for line in placed] == list(lines):
        checked = _checked(artist, part, placed, lines)
        artist.samples[group, _shape(lines)] = checked
        if isinstance(checked, Sample):
            return checked
        why = checked
    artist.failures[group] = artist.failures.get(group, 0) + 1
    if artist.failures[group] >= TRIES:  # every supporter of the group laid out from now on
        artist.samples[group, None] = why
    return why


def cut(artist: LineArtist, group: Group, texts: Lines) -> tuple[Lines, list[Any]] | None:
    """Each text cut into its lines as WeasyPrint would, with each line's layout where cutting
    made one to draw; None if the group has no sample with the role's style yet. CannotDraw if
    a text cannot be cut here."""
    styles = artist.styles.get(group, {})
    lines: list[tuple[int, str, str]] = []
    layouts: list[Any] = []
    for page, role, text in texts:
        if role not in styles:
            return None
        style, room = styles[role]
        for line, layout in artist.drawer.split(style, room, text):
            lines.append((page, role, line))
            layouts.append(layout)
    return tuple(lines), layouts


def _shape(lines: Lines) -> tuple[tuple[int, str], ...]:
    """Where a supporter's lines stand: supporters with lines in the same places share a
    sample."""
    return tuple((page, role) for page, role, _ in lines)


def _checked(
    artist: LineArtist, part: Part, placed: list[SampleLine], lines: Lines
) -> Sample | str:
    pages = part.source.pages
    contents = (page_content(pages[0])[0], page_content(pages[1])[0])
    faces = tuple(
        {str(name): part.font_objgens[font.objgen] for name, font in res.get(Name.Font, {}).items()}
        for res in part.resources
    )
    sample = Sample(part, placed, contents, (faces[0], faces[1]))
    try:
        again = draw(artist, sample, lines)
    except CannotDraw as exc:
        return f"the sample's own lines cannot be drawn ({exc})"
    if (zlib.decompress(again.head), zlib.decompress(again.signature)) != contents or any(
        again.faces[face].widths != {gid: part.faces[face].widths.get(gid) for gid in gids}
        or again.faces[face].to_unicode
        != {gid: part.faces[face].to_unicode.get(gid) for gid in gids}
        for face, gids in again.glyphs.items()
    ):
        return "the sample's lines drawn again differ from what WeasyPrint wrote"
    return sample


def draw(
    artist: LineArtist, sample: Sample, lines: Lines, layouts: Sequence[Any] | None = None
) -> Part:
    """A supporter's Part: the sample's pages with this supporter's text in each line's place
    (``layouts``: those :func:`cut` made, or None where it made none).

    CannotDraw if a line given without its layout breaks, or takes another font than the
    sample's.
    """
    drawing = artist.drawer.document()
    pages: list[list[bytes]] = [[], []]
    for place, (page, _, text), layout in zip(
        sample.lines, lines, layouts or [None] * len(lines), strict=True
    ):
        pages[page].append(b"\n" + drawing.line(place, text, layout))
    contents = []
    for between, fonts, drawn in zip(sample.between, sample.fonts, pages, strict=True):
        if len(fonts) != len(drawn):
            raise CannotDraw("the sample's page holds other text objects than its lines")
        if any(_fonts_named(mine) != named for mine, named in zip(drawn, fonts, strict=True)):
            raise CannotDraw("a line takes another font than the sample's")
        contents.append(
            b"".join(part for pair in zip(between[:-1], drawn, strict=True) for part in pair)
            + between[-1]
        )
    used = drawing.used()
    faces: dict[str, Face] = {}
    glyphs: dict[str, set[int]] = {}
    for number in (0, 1):
        for name, face in sample.faces[number].items():
            widths, texts = used.get(name.lstrip("/"), ({}, {}))
            if widths:
                glyphs[face] = set(widths)
            faces[face] = replace(
                sample.part.faces[face],
                widths={gid: float(width) for gid, width in widths.items()},
                to_unicode={gid: text.encode("utf-16-be").hex() for gid, text in texts.items()},
            )
    part = sample.part
    return replace(
        part,
        head=zlib.compress(contents[0], COMPRESSION),
        head_filter=b"/Filter /FlateDecode ",
        signature=zlib.compress(contents[1], COMPRESSION),
        signature_filter=b"/Filter /FlateDecode ",
        glyphs=glyphs,
        faces=faces,
        alone=None,
        drawn=True,
        laid_out=None,
        slow_lines=drawing.slow_lines,
    )


_TF = re.compile(rb"/(\S+) [\d.]+ Tf")


def _fonts_named(text_object: bytes) -> set[bytes]:
    return set(_TF.findall(text_object))


def personal_parts(
    artist: LineArtist,
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    recipient: Recipient,
    senders: Sequence[Sender],
    *,
    date: dt.date,
    layout: Layout,
    language: str,
    font_scale: float,
    intro: IntroZone,
) -> list[Part | Unshared]:
    """Every supporter's lines: drawn where a sample of their shape is known and they can be,
    laid out otherwise (all those together, as :func:`layout_personal` does), each laid-out
    part marked with the reason (``Part.laid_out``)."""
    parts: list[Part | Unshared | None] = [None] * len(senders)
    reasons: dict[int, str] = {}
    simple = []
    for index, sender in enumerate(senders):
        try:
            return_line_size(sender, layout)
            simple.append(index)
        except RenderError:  # laid out, where it is an error for this supporter alone
            reasons[index] = "a return address too long for the window"
    found_lines = supporters_lines(composer.compose(
        campaign, recipient, senders[0], date=date, layout=layout, font_scale=font_scale,
        language=language, part="personal", senders=[senders[i] for i in simple],
        intro_top=intro.top,
    ).html, len(simple)) if simple else []  # fmt: skip
    for index, found in zip(simple, found_lines, strict=True):
        if isinstance(found, str):
            reasons[index] = found
            continue
        texts, return_style = found
        faces = composer.script_faces(campaign, recipient, senders[index], language)
        group: Group = (layout, language, font_scale, intro, return_style, faces)
        given_up = artist.samples.get((group, None))
        if isinstance(given_up, str):
            reasons[index] = given_up
            continue
        try:
            cut_lines = cut(artist, group, texts)
        except CannotDraw as exc:
            reasons[index] = str(exc)
            continue
        sample = None if cut_lines is None else artist.samples.get((group, _shape(cut_lines[0])))
        if cut_lines is None or sample is None:
            documents: list[Any] = []
            solo = layout_personal(
                composer, renderer, campaign, recipient, [senders[index]], date=date,
                layout=layout, language=language, font_scale=font_scale, intro=intro,
                documents=documents,
            )[0]  # fmt: skip
            if isinstance(solo, Part) and documents:
                learned = learn(artist, group, solo, documents[0], texts)
                solo.laid_out = learned if isinstance(learned, str) else "the sample of its kind"
                if isinstance(learned, Sample):
                    # Its streams compressed as drawn ones are: a letter's bytes must not
                    # depend on whether its supporter happened to be the sample.
                    solo.head, solo.signature = (
                        zlib.compress(c, COMPRESSION) for c in learned.contents
                    )
                    solo.head_filter = solo.signature_filter = b"/Filter /FlateDecode "
            parts[index] = solo
        elif isinstance(sample, str):
            reasons[index] = sample
        else:
            try:
                parts[index] = draw(artist, sample, *cut_lines)
            except CannotDraw as exc:
                reasons[index] = str(exc)
    if reasons:
        rest = sorted(reasons)
        laid_out = layout_personal(
            composer, renderer, campaign, recipient, [senders[i] for i in rest], date=date,
            layout=layout, language=language, font_scale=font_scale, intro=intro,
        )  # fmt: skip
        for index, part in zip(rest, laid_out, strict=True):
            if isinstance(part, Part):
                part.laid_out = reasons[index]
            parts[index] = part
    done = [part for part in parts if part is not None]
    assert len(done) == len(senders)
    return done
