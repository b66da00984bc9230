"""Write a finished letter's PDF from a shared body and a supporter's lines, as bytes.

Batch production makes thousands of letters from one body per authority. Opening and saving
each letter with a PDF library costs more than everything else together, so the body is
turned once into a byte template (every object that all its letters share, its font subsets
included, already numbered and compressed into one object stream) and each letter only
appends what is its own: the supporter's two Form XObjects, a font subset per face for the
supporter's glyphs unless the body's already holds them (:mod:`.fonts`; a supporter's subsets
are the same in all their letters, so they are cut once), the document information and XMP
metadata naming the supporter, and a cross-reference stream. The result is an ordinary PDF 1.7
file that any reader opens.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Name

from .fonts import Face, read_face, write_font
from .objects import (
    CannotAssemble,
    Objects,
    stream_object,
    write_objects,
    write_shared,
    xref_rows,
    xref_stream,
)
from .tagging import BodyTags, PartTags, body_tags, write_tags, write_untagged

CREATOR_MARK = "APPEAL-LETTERS-SUPPORTER-NAME"
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px (1/96 in), PDF draws in points (1/72 in)


_FONT_OR_GLYPHS = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s+[-+.\d]+\s+Tf|<([0-9A-Fa-f]*)>")


def glyphs_used(content: bytes, font_faces: Mapping[str, str]) -> dict[str, set[int]]:
    """The glyph ids a content stream shows, per face (WeasyPrint writes 2-byte hex strings)."""
    used: dict[str, set[int]] = {}
    current: set[int] | None = None
    for match in _FONT_OR_GLYPHS.finditer(content):
        name, glyphs = match.groups()
        if name is not None:
            face = font_faces.get("/" + name.decode("latin-1"))
            current = used.setdefault(face, set()) if face else None
        elif glyphs and current is not None:
            current.update(int(glyphs[i : i + 4], 16) for i in range(0, len(glyphs), 4))
    return used


@dataclass
class BodyTemplate:
    """Everything a body's letters share, written once; see :func:`body_template`."""

    prefix: bytes
    rows: bytes  # cross-reference rows of the shared objects (the letter's own are free)
    next_number: int
    root: int
    metadata: int
    info: int
    head: int
    signature: int
    drawing: int
    faces: dict[str, tuple[Face, list[int]]]  # face -> widths etc., its five object numbers
    info_entries: bytes  # the document information without /Author
    xmp: bytes  # XMP metadata with CREATOR_MARK where the supporter's name goes
    xmp_tagged: bytes  # the same, still claiming PDF/UA (for letters tagged throughout)
    tags: BodyTags | None  # where the supporter's struct elements go
    bbox: bytes
    signer_y: float
    marker: bytes  # after the shared objects: lets a bundle recognise the body (see MARK)


#: A comment written after a body's shared objects: their length and SHA-256. A bundle that
#: finds it (and the digest matches) knows the letter's layout without parsing it in full.
MARK = b"%appeal-letters body "


def body_template(pdf_bytes: bytes, signer_y: float) -> BodyTemplate:
    """Parse a laid-out body once and write the objects its letters share.

    Raises CannotAssemble if the body is not in the form WeasyPrint writes for our template.
    """
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        if len(pdf.pages) != 1:
            raise CannotAssemble("the body is not one page")
        page = pdf.pages[0]
        overrides: dict[tuple[int, int], int] = {}
        objects = Objects()
        root = pdf.Root
        metadata = objects.reserve()
        overrides[root.Metadata.objgen] = metadata
        info, head, signature, drawing = (objects.reserve() for _ in range(4))
        page_number = objects.reserve()
        overrides[page.obj.objgen] = page_number
        fonts: Any = page.resources.get(Name.Font, {})
        faces: dict[str, tuple[Face, list[int]]] = {}
        font_refs = []
        for name, font in fonts.items():
            face, data = read_face(font, objects)
            if face in faces:
                raise CannotAssemble(f"face {face} appears twice in the body")
            numbers = [objects.reserve() for _ in range(5)]
            faces[face] = (data, numbers)
            overrides[font.objgen] = numbers[0]
            font_refs.append(bytes(Name(name).unparse()) + b" %d 0 R\n" % numbers[0])
        objects.memo.update(overrides)
        for face, (data, numbers) in faces.items():  # the body's subsets, shared by its letters
            write_font(objects, numbers, face, data, data.widths, data.to_unicode)
        tags = body_tags(pdf, objects, page_number)
        root_number = objects.dump(root).split()[0]
        # The page: its own resources plus the supporter's forms, its drawing kept to itself.
        resources = {k: v for k, v in page.resources.items() if k not in ("/Font", "/XObject")}
        xobjects = dict(page.resources.get(Name.XObject, {}).items())
        xobject_dict = objects.dump_dict(
            xobjects,
            b"/SupporterHead %d 0 R\n/SupporterSignature %d 0 R\n" % (head, signature),
        )
        resource_dict = objects.dump_dict(
            resources,
            b"/Font <<\n" + b"".join(font_refs) + b">>\n/XObject " + xobject_dict + b"\n",
        )
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        opening = objects.add(stream_object(b"<<>>", b"q\n"), stream=True)
        closing = objects.add(stream_object(b"<<>>", b"\nQ\n"), stream=True)
        refs = [b"%d 0 R" % opening, *(objects.dump(s) for s in streams), b"%d 0 R" % closing]
        refs.append(b"%d 0 R" % drawing)
        page_entries = {k: v for k, v in page.obj.items() if k not in ("/Contents", "/Resources")}
        objects.put(
            page_number,
            objects.dump_dict(
                page_entries,
                b"/Resources " + resource_dict + b"\n/Contents [" + b" ".join(refs) + b"]\n",
            ),
        )
        info_dict = pdf.trailer.get(Name.Info, pikepdf.Dictionary())
        info_entries = objects.dump_dict({k: v for k, v in info_dict.items() if k != "/Author"})[
            3:-2
        ]
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:creator"] = [CREATOR_MARK]
        xmp_tagged = root.Metadata.read_bytes()
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            if "pdfuaid:part" in meta:
                del meta["pdfuaid:part"]
        xmp = root.Metadata.read_bytes()
        bbox = objects.dump(pikepdf.Array([float(v) for v in page.mediabox]))
    prefix, entries = write_shared(objects)
    marker = MARK + b"%d %s\n" % (len(prefix), hashlib.sha256(prefix).hexdigest().encode())
    return BodyTemplate(
        prefix,
        xref_rows(entries, objects.next),
        objects.next,
        int(root_number),
        metadata,
        info,
        head,
        signature,
        drawing,
        faces,
        info_entries,
        xmp,
        xmp_tagged if tags else xmp,
        tags,
        bbox,
        signer_y,
        marker,
    )


@dataclass
class Part:
    """A supporter's two pages, from a document holding many supporters' lines."""

    head: bytes  # the content stream's raw bytes (compressed as in the source)
    head_filter: bytes
    signature: bytes
    signature_filter: bytes
    resources: list[Any]  # the two pages' /Resources, only what their drawing names
    glyphs: dict[str, set[int]]
    faces: dict[str, Face]
    font_objgens: dict[tuple[int, int], str]  # font dictionaries in the source -> face
    signer_y: float
    tags: PartTags | None = None  # the supporter's struct elements
    source: Any = None  # the pikepdf.Pdf the resources belong to, kept open
    cache: dict[Any, bytes] = field(default_factory=dict)
    #: Why these lines were laid out in a document of their own rather than with other
    #: supporters' (a document per supporter is several times slower): said, and counted.
    alone: str | None = None
    #: Drawn from shaped text on a laid-out sample's places (batch/drawn.py), not laid out.
    drawn: bool = False
    #: Why a supporter's lines were laid out rather than drawn (also: the sample of a shape).
    laid_out: str | None = None
    #: Drawn lines whose glyphs WeasyPrint's own writer wrote (glyphs raised or lowered).
    slow_lines: int = 0


class Assembled(NamedTuple):
    """A letter's bytes, and whether it is tagged throughout (and so claims PDF/UA)."""

    data: bytes
    tagged: bool


def letter_pdf(body: BodyTemplate, part: Part, author: str) -> Assembled:
    """The letter: the body's shared objects, then this supporter's own.

    A letter whose body or part has a structure tree of another shape than expected is made
    untagged (``tagged`` False) and does not claim PDF/UA; the caller counts it.
    """
    objects = Objects(first=body.next_number)
    numbers: dict[str, int] = {}
    # In the order of their names: a part's faces come in the order its drawing first names
    # them when laid out, in its sample's when drawn (batch/drawn.py), and the letter's object
    # numbers must not depend on which.
    for face, gids in sorted(part.glyphs.items()):
        own = part.faces.get(face)
        if own is None or not gids <= own.widths.keys():
            raise CannotAssemble(f"a glyph of {face} has no width")
        shared = body.faces.get(face)
        if shared is not None and gids <= shared[0].widths.keys():
            numbers[face] = shared[1][0]  # the body's subset has every glyph the supporter's has
            continue
        # The body's dictionaries, and its width and text for a glyph it has too, as one subset
        # for both would give: WeasyPrint writes a face's metrics at the size it first met it
        # in a document, and a supporter's lines laid out among others' must read the same
        # whoever they were.
        base = shared[0] if shared is not None else own
        widths = {gid: base.widths.get(gid, own.widths[gid]) for gid in gids}
        to_unicode = {
            gid: base.to_unicode.get(gid) or own.to_unicode[gid]
            for gid in gids
            if gid in base.to_unicode or gid in own.to_unicode
        }
        own_numbers = [objects.reserve() for _ in range(5)]
        write_font(objects, own_numbers, face, base, widths, to_unicode)
        numbers[face] = own_numbers[0]
    for objgen, face in part.font_objgens.items():
        font = numbers.get(face) or (body.faces[face][1][0] if face in body.faces else None)
        if font is None:
            raise CannotAssemble(f"a font of {face} draws no glyph and the body has none")
        objects.memo[objgen] = font
    tagged = body.tags is not None and part.tags is not None
    keys: tuple[int, int] | tuple[None, None] = (None, None)
    if body.tags is not None and part.tags is not None:
        keys = write_tags(objects, body.tags, part.tags, body.head, body.signature)
    elif body.tags is not None:
        write_untagged(objects, body.tags)
    for number, data, filter_, resources, key in (
        (body.head, part.head, part.head_filter, part.resources[0], keys[0]),
        (body.signature, part.signature, part.signature_filter, part.resources[1], keys[1]),
    ):
        # The same supporter's resources come back with the same font numbers in many letters.
        cache_key = (number == body.head, tuple(sorted(objects.memo.items())))
        dumped = part.cache.get(cache_key)
        if dumped is None:
            before = objects.next
            dumped = objects.dump(resources)
            if objects.next == before:  # nothing of its own to write: the bytes can be reused
                part.cache[cache_key] = dumped
        parents = b"/StructParents %d " % key if key is not None else b""
        dictionary = b"<< /Type /XObject /Subtype /Form /BBox %s %s%s/Resources %s >>" % (
            body.bbox,
            filter_,
            parents,
            dumped,
        )
        objects.put(number, stream_object(dictionary, data), stream=True)
    shift = (body.signer_y - part.signer_y) * PX_TO_PT
    # Each form is tagged inside (its marked content is referenced with /MCR /Stm), so the
    # form itself has no structure parent; PDF/UA still wants every paint inside a marked-content
    # sequence, hence a plain one without an MCID around each Do.
    drawing = (
        b"/Span BMC q /SupporterHead Do Q EMC\n"
        b"/Span BMC q 1 0 0 1 0 %.3f cm /SupporterSignature Do Q EMC\n" % -shift
    )
    objects.put(body.drawing, stream_object(b"<<>>", drawing), stream=True)
    author_string = bytes(pikepdf.String(author).unparse())
    objects.put(body.info, b"<<" + body.info_entries + b"/Author " + author_string + b"\n>>")
    xmp = (body.xmp_tagged if tagged else body.xmp).replace(
        CREATOR_MARK.encode(), escape(author).encode("utf-8")
    )
    objects.put(
        body.metadata,
        stream_object(b"<< /Type /Metadata /Subtype /XML >>", xmp),
        stream=True,
    )
    return Assembled(_finish(body, objects), tagged)


def _finish(body: BodyTemplate, objects: Objects) -> bytes:
    out = bytearray(body.prefix + body.marker)
    entries: dict[int, tuple[int, int, int]] = {}
    write_objects(objects, out, entries)  # the letter's own dictionaries in one object stream
    identifier = hashlib.md5(out, usedforsecurity=False).hexdigest().encode()
    number = objects.reserve()
    entries[number] = (1, len(out), 0)
    trailer = b"/Root %d 0 R /Info %d 0 R" % (body.root, body.info)
    return bytes(out + xref_stream(number, entries, trailer, identifier, body.rows))
