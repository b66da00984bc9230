"""Batch letters from a shared body: what variable-data printing does with PDF/VT.

Every supporter's letter to one authority has the same body, so the body is laid out once per
authority (and language and layout) and each supporter's own lines (letterhead, return
address, signature) once per supporter. A letter is the body page with the supporter's page
drawn over it as a Form XObject: the letterhead where it stands, the signature lines moved
down to the place the body keeps free for them. Text and glyph positions are those of the
same letter laid out in full (tests compare both).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Name

from ..compose import Composer, Layout, return_line_size
from ..errors import RenderError
from ..model import Campaign, Recipient, Sender
from ..pdf import (
    Assembled,
    BodyTemplate,
    CannotAssemble,
    Face,
    Objects,
    Part,
    body_template,
    glyph_chars,
    glyphs_used,
    letter_pdf,
    part_tags,
    read_face,
)
from ..render import (
    PdfRenderer,
    RenderOptions,
    find_box,
    fit_on_one_page,
    missing_characters,
    refuse_missing_characters,
)

SIGNATURE_ZONE = "signature"


@dataclass(frozen=True)
class IntroZone:
    """Where a body keeps the line of the supporter's introduction: top and height, CSS px."""

    top: float
    height: float


class NeedsFullLayout(Exception):
    """This letter cannot be drawn on its shared body: lay it out in full."""


@dataclass(frozen=True)
class Unshared:
    """A supporter whose lines cannot be drawn on the shared body, and why."""

    reason: str


@dataclass(frozen=True)
class Body:
    """One authority's letter without any supporter in it, laid out once."""

    pdf: bytes
    font_scale: float
    signer_y: float  # CSS px from the top of the page
    intro: IntroZone
    language: str
    channel: str
    warnings: tuple[str, ...] = ()  # WeasyPrint's, shared by every letter on this body


def fits_shared_body(sender: Sender) -> bool:
    """Whether this supporter's letters can be drawn on the shared bodies: not with a paragraph
    of their own, which is part of the body and so makes it theirs alone."""
    return not sender.paragraph


def introduces(sender: Sender) -> bool:
    """Whether this supporter's letters say where they write from (they gave a town): their
    bodies keep a line for it."""
    return bool(sender.town)


#: The sender of a shared body, which prints none of the supporter's lines.
BLANK_SENDER = Sender.model_construct(name="", address=[], email=None, paragraph=None, country=None)


def layout_body(
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    recipient: Recipient,
    *,
    date: dt.date,
    layout: Layout,
    language: str | None,
    wording: int,
    introduced: bool = True,
) -> Body:
    """The shared body in one of the template's wordings on one page, in the largest type that
    fits (as a full letter would). ``introduced``: it keeps the introduction's line, for
    supporters who gave their town (see :func:`introduces`)."""
    options = RenderOptions(date=date, layout=layout, language=language)
    letter, document, scale, warnings = fit_on_one_page(
        composer,
        renderer,
        campaign,
        recipient,
        BLANK_SENDER,
        options,
        part="body",
        wording=wording,
        introduced=introduced,
    )
    box = find_box(document, "signer-zone")
    intro = find_box(document, "intro-zone")
    pdf = renderer.write(letter, document)
    refuse_missing_characters(renderer, recipient)
    return Body(
        pdf,
        scale,
        box.position_y,
        IntroZone(intro.position_y, intro.height),
        letter.language,
        letter.channel.kind if letter.channel else "",
        tuple(dict.fromkeys((*warnings, *renderer.last_warnings))),
    )


def layout_personal(
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
    documents: list[Any] | None = None,
) -> list[Part | Unshared]:
    """Many supporters' letterheads, return addresses, introductions and signature lines in one
    document.

    Laying out a few lines costs little next to starting a document, so one document holds
    many supporters, two pages each. ``intro``: where the body keeps the introduction's line
    (the same in every wording: it comes before the first sentence that differs).
    ``Unshared`` for a supporter whose lines overflow a fixed zone (or use a font other than
    the bundled ones): that letter is laid out in full. A return address too long for the
    window is left out of the document (it would fail everyone's lines): laid out in full, it
    is an error for that supporter alone. ``documents``: the laid-out document is added to it
    (a sample for drawing others' lines, batch/drawn.py).
    """

    def again(some: Sequence[Sender]) -> list[Part | Unshared]:
        """The same lines laid out for ``some`` of the supporters only."""
        return layout_personal(
            composer, renderer, campaign, recipient, some, date=date, layout=layout,
            language=language, font_scale=font_scale, intro=intro,
        )  # fmt: skip

    too_long: dict[int, str] = {}
    for index, sender in enumerate(senders):
        try:
            return_line_size(sender, layout)
        except RenderError as exc:
            too_long[index] = str(exc)
    if too_long:
        rest = [sender for index, sender in enumerate(senders) if index not in too_long]
        laid_out = iter(again(rest) if rest else [])
        return [
            Unshared(too_long[index]) if index in too_long else next(laid_out)
            for index in range(len(senders))
        ]
    letter = composer.compose(
        campaign,
        recipient,
        senders[0],
        date=date,
        layout=layout,
        font_scale=font_scale,
        language=language,
        part="personal",
        senders=senders,
        intro_top=intro.top,
    )
    document = renderer.layout(letter)
    if documents is not None:
        documents.append(document)
    if len(document.pages) != 2 * len(senders):
        if len(senders) == 1:
            return [Unshared("the supporter's lines take more than their two pages")]
        # Someone's lines took more than their two pages: lay each supporter out alone.
        return [
            _alone(
                "someone's lines in the same document took more than their two pages",
                again([sender])[0],
            )
            for sender in senders
        ]
    overflowing = renderer.overflowing_pages(document, SIGNATURE_ZONE)
    missing = set(missing_characters(renderer.last_warnings))
    source = pikepdf.open(io.BytesIO(renderer.write(letter, document)))
    missing.update(missing_characters(renderer.last_warnings))
    faces: dict[str, Face] = {}
    font_objgens: dict[tuple[int, int], str] = {}
    parts: list[Part | Unshared] = []
    for index in range(len(senders)):
        if 2 * index + 1 in overflowing:
            parts.append(Unshared("the signature lines overflow the signature zone"))
            continue
        zone = find_box(document, "intro-zone", 2 * index)
        if abs(zone.position_y - intro.top) > 0.01 or abs(zone.height - intro.height) > 0.01:
            parts.append(Unshared("the introduction does not take the line its body keeps"))
            continue
        own_text = _text_of(senders[index]) + composer.introduction(
            senders[index], language, layout
        )
        if missing and missing & set(own_text):
            # Laid out in full, where it is an error that names the characters.
            parts.append(Unshared("a character in the supporter's lines has no font"))
            continue
        pages = source.pages[2 * index], source.pages[2 * index + 1]
        try:
            streams = [page_content(page) for page in pages]
            glyphs: dict[str, set[int]] = {}
            own_fonts: dict[tuple[int, int], str] = {}
            resources = []
            for page, (data, _, _) in zip(pages, streams, strict=True):
                # Only what this supporter's drawing names: the document's resources are shared
                # by everyone in it, and a letter must not depend on who else was laid out.
                page_resources = _used_resources(page.resources, data)
                resources.append(page_resources)
                names = {}
                for name, font in page_resources.get(Name.Font, {}).items():
                    if font.objgen not in font_objgens:
                        face, found = read_face(font, Objects())
                        faces.setdefault(face, found)
                        font_objgens[font.objgen] = face
                    names[name] = own_fonts[font.objgen] = font_objgens[font.objgen]
                for face, gids in glyphs_used(data, names).items():
                    glyphs.setdefault(face, set()).update(gids)
        except CannotAssemble as exc:
            parts.append(Unshared(f"the supporter's lines cannot be copied ({exc})"))
            continue
        if len(senders) > 1:
            foreign = _foreign_text(glyphs, faces, own_text)
            if foreign is not None:
                # Its text would depend on who else is in this document: on its own instead.
                parts.append(_alone(foreign, again([senders[index]])[0]))
                continue
        parts.append(
            Part(
                head=streams[0][1],
                head_filter=streams[0][2],
                signature=streams[1][1],
                signature_filter=streams[1][2],
                resources=resources,
                glyphs=glyphs,
                faces=faces,
                font_objgens=own_fonts,
                signer_y=find_box(document, "signer-zone", 2 * index + 1).position_y,
                tags=part_tags(source, index, Objects(), (streams[0][0], streams[1][0])),
                source=source,
            )
        )
    return parts


def _alone(why: str, part: Part | Unshared) -> Part | Unshared:
    """A supporter's lines laid out in a document of their own, marked with the reason."""
    if isinstance(part, Part) and part.alone is None:
        part.alone = why
    return part


def _text_of(sender: Sender) -> str:
    return "".join([sender.name, *sender.address, sender.email or ""])


#: What the template itself writes among a supporter's lines (separators).
_TEMPLATE_TEXT = " ·,"


def _decoded(utf16_hex: str | None) -> str | None:
    """A ToUnicode value (hex UTF-16, as parse_to_unicode keeps it) as text."""
    try:
        return bytes.fromhex(utf16_hex).decode("utf-16-be") if utf16_hex else None
    except ValueError:
        return None


def _foreign_text(
    glyphs: dict[str, set[int]], faces: dict[str, Face], supporters_text: str
) -> str | None:
    """Why a supporter's glyphs may read as another supporter's text in a shared document, or
    None: every glyph reads as a character of ``supporters_text`` (what the supporter typed and
    their introduction) or the template's own."""
    own = supporters_text + _TEMPLATE_TEXT
    typed_chars = set(own)
    for face, gids in glyphs.items():
        reachable_by = glyph_chars(face)
        entries = faces[face].to_unicode
        for gid in gids:
            text = _decoded(entries.get(gid))
            reachable = reachable_by.get(gid, frozenset())
            typed = reachable & typed_chars
            if typed:
                if text not in typed:
                    return f"glyph {gid} of {face} reads as another supporter's text"
            elif reachable:
                # A ligature of the supporter's own letters ("fi" drawn with the glyph of "ﬁ")
                # reads as those letters; anything else (the ellipsis of a cut line, which
                # WeasyPrint maps to the rest of the first cut line it met) may not.
                ligature = any(unicodedata.normalize("NFKC", c) == text for c in reachable)
                if not (text and text in own and ligature):
                    return f"glyph {gid} of {face} stands for none of the supporter's characters"
            elif not text or text not in own:
                return f"glyph {gid} of {face} reads as text the supporter did not write"
    return None


_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]+)")


def _used_resources(resources: Any, content: bytes) -> Any:
    """``resources`` cut down to the entries that ``content`` names."""
    used = {"/" + name.decode("latin-1") for name in _NAME.findall(content)}
    kept = pikepdf.Dictionary()
    for category, entries in resources.items():
        if isinstance(entries, pikepdf.Dictionary):
            chosen = {name: value for name, value in entries.items() if name in used}
            if chosen:
                kept[category] = pikepdf.Dictionary(chosen)
        else:
            kept[category] = entries  # ProcSet and the like
    return kept


def page_content(page: Any) -> tuple[bytes, bytes, bytes]:
    """A page's drawing: decoded, as stored, and the stream's filter entries (a page drawn
    in several streams: joined, and compressed again)."""
    contents = page.obj.Contents
    if isinstance(contents, pikepdf.Stream):
        entries = b"".join(
            bytes(Name(key).unparse()) + b" " + bytes(contents.stream_dict[key].unparse()) + b" "
            for key in ("/Filter", "/DecodeParms")
            if key in contents.stream_dict
        )
        return contents.read_bytes(), contents.read_raw_bytes(), entries
    data = b"\n".join(stream.read_bytes() for stream in contents)
    return data, zlib.compress(data), b"/Filter /FlateDecode "


# One per body a worker meets: authorities x languages x layouts (150 for the seed's ten
# authorities in five languages and three layouts), about 30 KB each.
@functools.lru_cache(maxsize=512)
def _template(pdf: bytes, signer_y: float) -> BodyTemplate:
    return body_template(pdf, signer_y)


def compose(body: Body, part: Part, sender: Sender) -> Assembled:
    """The finished letter: the body page, the supporter's lines drawn in their places.

    Raises NeedsFullLayout if the body or the part uses something the byte writer does not
    handle (a font other than the bundled ones, say).
    """
    try:
        return letter_pdf(_template(body.pdf, body.signer_y), part, sender.name)
    except CannotAssemble as exc:
        raise NeedsFullLayout(str(exc)) from exc
