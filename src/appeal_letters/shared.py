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
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name

from .compose import Composer, Layout
from .errors import RenderError
from .letters import RenderOptions, fit_on_one_page
from .models import Campaign, Recipient, Sender
from .pdf import PdfRenderer

SIGNATURE_ZONE = "signature"
PX_TO_PT = 0.75


class NeedsFullLayout(Exception):
    """This supporter's lines do not fit the fixed zones: lay the letter out in full."""


@dataclass(frozen=True)
class Body:
    """One authority's letter without any supporter in it, laid out once."""

    pdf: bytes
    font_scale: float
    signer_y: float  # CSS px from the top of the page
    page_height: float  # pt
    language: str
    channel: str


@dataclass(frozen=True)
class Personal:
    """One supporter's own lines, laid out once (fonts renamed so they cannot clash).

    Page 1 holds the letterhead and return address in place, page 2 the signature lines at
    the top; each page becomes its own Form XObject, so no text is drawn twice.
    """

    pdf: bytes
    signer_y: float  # CSS px from the top of page 2


_BLANK = Sender.model_construct(name="", address=[], email=None, paragraph=None, country=None)


def _box_of(document: Any, css_class: str, page: int = 0) -> Any:
    stack = [document.pages[page]._page_box]
    while stack:
        box = stack.pop()
        box = getattr(box, "_box", box)
        element = getattr(box, "element", None)
        if (
            element is not None
            and element.get("class") == css_class
            and getattr(box, "element_tag", None) == element.tag
        ):
            return box
        stack.extend(getattr(box, "children", None) or [])
    raise RenderError(f"the letter template has no element of class '{css_class}'")


def layout_body(
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    recipient: Recipient,
    *,
    date: dt.date,
    layout: Layout,
    language: str | None,
) -> Body:
    """The shared body on one page, in the largest type that fits (as a full letter would)."""
    options = RenderOptions(date=date, layout=layout, language=language)
    letter, document, scale = fit_on_one_page(
        composer, renderer, campaign, recipient, _BLANK, options, part="body"
    )
    box = _box_of(document, "signer-zone")
    return Body(
        _rename_subsets(renderer.write(letter, document)),
        scale,
        box.position_y,
        document.pages[0].height * PX_TO_PT,
        letter.language,
        letter.channel.kind if letter.channel else "",
    )


def layout_personal(
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    recipient: Recipient,
    sender: Sender,
    *,
    date: dt.date,
    layout: Layout,
    language: str,
    font_scale: float,
) -> Personal:
    """The supporter's letterhead, return address and signature lines on one page."""
    letter = composer.compose(
        campaign,
        recipient,
        sender,
        date=date,
        layout=layout,
        font_scale=font_scale,
        language=language,
        part="personal",
    )
    document = renderer.layout(letter)
    if SIGNATURE_ZONE in renderer.overflowing_zones(document) or len(document.pages) != 2:
        raise NeedsFullLayout
    box = _box_of(document, "signer-zone", page=1)
    return Personal(_rename_subsets(renderer.write(letter, document)), box.position_y)


def _rename_subsets(pdf: bytes) -> bytes:
    """Give this part's font subsets their own tags.

    WeasyPrint names a subset after its font, so the body's and a supporter's subsets of one
    font would share a name with different glyphs; viewers and extractors may mix them up.
    """
    with pikepdf.open(io.BytesIO(pdf)) as source:
        fonts = {
            font.objgen: font
            for page in source.pages
            for font in page.resources.get(Name.Font, {}).values()
        }
        for font in fonts.values():
            base = str(font.get(Name.BaseFont, ""))
            if "+" not in base:
                continue
            descendants = font.get(Name.DescendantFonts)
            descriptor = (descendants[0] if descendants else font).get(Name.FontDescriptor)
            data = descriptor.get(Name.FontFile2) if descriptor is not None else None
            digest = hashlib.sha256(data.read_raw_bytes() if data is not None else base.encode())
            tag = "".join(chr(65 + b % 26) for b in digest.digest()[:6])
            name = Name("/" + tag + "+" + base.split("+", 1)[1].lstrip("/"))
            font.BaseFont = name
            if descendants:
                descendants[0].BaseFont = name
            if descriptor is not None:
                descriptor.FontName = name
        buffer = io.BytesIO()
        source.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def compose(body: Body, personal: Personal, sender: Sender) -> bytes:
    """The finished letter: the body page, the supporter's lines drawn in their places."""
    with pikepdf.open(io.BytesIO(body.pdf)) as pdf, pikepdf.open(io.BytesIO(personal.pdf)) as part:
        page = pdf.pages[0]
        head = pdf.copy_foreign(part.pages[0].as_form_xobject())
        signer = pdf.copy_foreign(part.pages[1].as_form_xobject())
        page.add_resource(head, Name.XObject, Name.SupporterHead)
        page.add_resource(signer, Name.XObject, Name.SupporterSignature)
        shift = (body.signer_y - personal.signer_y) * PX_TO_PT
        ops = (
            "q /SupporterHead Do Q\n"  # letterhead and return address, where they stand
            f"q 1 0 0 1 0 {-shift:.3f} cm /SupporterSignature Do Q\n"  # moved into the gap
        )
        # The page's own drawing keeps its graphics state to itself: q ... Q around it.
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(b"\nQ\n"), prepend=False)
        page.contents_add(pdf.make_stream(ops.encode("ascii")), prepend=False)
        pdf.docinfo[Name.Author] = sender.name
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:creator"] = [sender.name]
            # The supporter's lines are drawn from Form XObjects outside the structure tree, so
            # the letter is tagged but no longer claims PDF/UA conformance.
            if "pdfuaid:part" in meta:
                del meta["pdfuaid:part"]
        buffer = io.BytesIO()
        pdf.save(buffer, deterministic_id=True)
    return buffer.getvalue()


SUPPORTER_FORMS = (Name.SupporterHead, Name.SupporterSignature)


def bundle(parts: Sequence[bytes | Path]) -> bytes:
    """Pages of many letters in one PDF, each distinct shared body stored once.

    A letter made from a shared body is the body's drawing, then the supporter's two Form
    XObjects (see :func:`compose`). Here the body's drawing becomes one Form XObject per distinct
    body, and each page draws it and its supporter's lines: a bundle of a thousand letters to one
    authority holds that authority's text once. Other PDFs (a cover sheet, a letter laid out in
    full) are copied as they are.
    """
    merged = pikepdf.new()
    bodies: dict[bytes, pikepdf.Object] = {}
    supporter_forms: list[pikepdf.Object] = []
    for part in parts:
        with pikepdf.open(io.BytesIO(part) if isinstance(part, bytes) else part) as source:
            for page in source.pages:
                xobjects: Any = page.resources.get(Name.XObject, {})
                streams = page.obj.Contents
                if (
                    not all(name in xobjects for name in SUPPORTER_FORMS)
                    or not isinstance(streams, pikepdf.Array)
                    or len(streams) < 4
                ):
                    merged.pages.append(page)
                    continue
                # [q] + the body's own streams + [Q] + [the supporter's drawing]
                drawing = b"\n".join(s.read_bytes() for s in list(streams)[1:-2])
                resources = pikepdf.Dictionary(
                    {k: v for k, v in page.resources.items() if k != Name.XObject}
                )
                others = {k: v for k, v in xobjects.items() if k not in SUPPORTER_FORMS}
                if others:
                    resources[Name.XObject] = pikepdf.Dictionary(others)
                key = hashlib.sha256(
                    drawing + repr(sorted((str(k), repr(v)) for k, v in resources.items())).encode()
                ).digest()
                if key not in bodies:
                    form = source.make_stream(drawing)
                    form.Type, form.Subtype = Name.XObject, Name.Form
                    form.BBox = page.mediabox
                    form.Resources = resources
                    bodies[key] = merged.copy_foreign(form)
                head = merged.copy_foreign(xobjects[Name.SupporterHead])
                signature = merged.copy_foreign(xobjects[Name.SupporterSignature])
                supporter_forms += [head, signature]
                new_page = pikepdf.Dictionary(
                    Type=Name.Page,
                    MediaBox=pikepdf.Array([float(v) for v in page.mediabox]),
                    Resources=pikepdf.Dictionary(
                        XObject=pikepdf.Dictionary(
                            Body=bodies[key],
                            SupporterHead=head,
                            SupporterSignature=signature,
                        )
                    ),
                    Contents=merged.make_stream(b"q /Body Do Q\n" + streams[-1].read_bytes()),
                )
                merged.pages.append(pikepdf.Page(new_page))
    _share_fonts(merged, supporter_forms)
    buffer = io.BytesIO()
    merged.save(buffer, deterministic_id=True, compress_streams=True)
    return buffer.getvalue()


#: The bundled font files, by the name WeasyPrint gives their subsets.
FONT_FILES = {
    "Letter-Serif": "NotoSerif-Regular.ttf",
    "Letter-Serif-Bold": "NotoSerif-Bold.ttf",
    "Letter-Serif-Italic": "NotoSerif-Italic.ttf",
    "Letter-Arabic": "NotoNaskhArabic-Regular.ttf",
    "Letter-Arabic-Bold": "NotoNaskhArabic-Bold.ttf",
}


def _widths(array: Any) -> dict[int, Any] | None:
    """A CIDFont /W array as {cid: width}; None if it uses a form not handled here."""
    found: dict[int, Any] = {}
    items = list(array)
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1]
        if isinstance(following, pikepdf.Array):
            for offset, width in enumerate(following):
                found[first + offset] = width
            index += 2
        else:
            for cid in range(first, int(following) + 1):
                found[cid] = items[index + 2]
            index += 3
    return found


def _to_unicode(stream: Any) -> dict[str, str] | None:
    """A ToUnicode CMap's single-code entries; None if it has ranges (left as they are)."""
    text = stream.read_bytes().decode("latin-1")
    if "beginbfrange" in text:
        return None
    found: dict[str, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, value in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            found[code.lower()] = value.lower()
    return found


@functools.lru_cache(maxsize=32)
def _union_subset(face: str, gids: tuple[int, ...]) -> bytes:
    """A bundled font cut down to these glyphs, keeping their ids (the bundles of one batch
    share their supporters, so each face is cut once)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from .compose import package_dir

    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    program = TTFont(str(package_dir("fonts") / FONT_FILES[face]), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=list(gids))
    subsetter.subset(program)
    data = io.BytesIO()
    program.save(data)
    return data.getvalue()


def _share_fonts(pdf: pikepdf.Pdf, forms: list[pikepdf.Object]) -> None:
    """Point every supporter's lines at one font per face, covering the glyphs of them all.

    Each supporter's lines come with their own subsets of the bundled fonts (a few KB each).
    WeasyPrint subsets keeping the fonts' glyph ids, so one subset holding the union of the
    glyphs serves every form: a bundle of thousands of letters carries each font once.
    """
    users: dict[str, list[tuple[Any, pikepdf.Name]]] = {}
    widths: dict[str, dict[int, Any]] = {}
    unicode: dict[str, dict[str, str]] = {}
    samples: dict[str, pikepdf.Object] = {}
    for form in forms:
        resources: Any = form.get(Name.Resources, {})
        fonts: Any = resources.get(Name.Font, {})
        for name, font in fonts.items():
            face = str(font.get(Name.BaseFont, "")).lstrip("/").split("+", 1)[-1]
            descendants = font.get(Name.DescendantFonts)
            if face not in FONT_FILES or descendants is None or Name.ToUnicode not in font:
                continue
            found_widths = _widths(descendants[0].get(Name.W, []))
            found_unicode = _to_unicode(font.ToUnicode)
            if found_widths is None or found_unicode is None:
                continue
            users.setdefault(face, []).append((fonts, Name(name)))
            widths.setdefault(face, {}).update(found_widths)
            unicode.setdefault(face, {}).update(found_unicode)
            samples.setdefault(face, font)
    for face, places in users.items():
        if len(places) < 2:
            continue
        data = _union_subset(face, tuple(sorted(widths[face])))
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])
        base = Name(f"/{tag}+{face}")
        sample = samples[face]
        descendant = sample.DescendantFonts[0]
        descriptor = pikepdf.Dictionary(
            {k: v for k, v in descendant.FontDescriptor.items() if k != Name.FontFile2}
        )
        descriptor.FontName = base
        descriptor.FontFile2 = pdf.make_stream(data)
        cids = sorted(widths[face])
        cid_font = pikepdf.Dictionary(
            {k: v for k, v in descendant.items() if k not in (Name.W, Name.FontDescriptor)}
        )
        cid_font.BaseFont = base
        cid_font.FontDescriptor = pdf.make_indirect(descriptor)
        cid_font.W = pikepdf.Array(
            [x for cid in cids for x in (cid, pikepdf.Array([widths[face][cid]]))]
        )
        entries = "\n".join(f"<{code}> <{value}>" for code, value in sorted(unicode[face].items()))
        cmap = (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo\n<< /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n"
            "<0000> <ffff>\nendcodespacerange\n"
            f"{len(unicode[face])} beginbfchar\n{entries}\nendbfchar\n"
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        )
        shared_font = pdf.make_indirect(
            pikepdf.Dictionary(
                {k: v for k, v in sample.items() if k not in (Name.DescendantFonts, Name.ToUnicode)}
            )
        )
        shared_font.BaseFont = base
        shared_font.DescendantFonts = pikepdf.Array([pdf.make_indirect(cid_font)])
        shared_font.ToUnicode = pdf.make_stream(cmap.encode("ascii"))
        for fonts, name in places:
            fonts[name] = shared_font
