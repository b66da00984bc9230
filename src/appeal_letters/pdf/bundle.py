"""Delivery bundles: many letters in one PDF, each shared body and each font face stored once.

A letter made from a shared body (:mod:`.assemble`) is the body's objects, a comment naming
them by digest, then the supporter's own objects. A bundle keeps one Form XObject per distinct
body and, per letter, a page that draws it and the supporter's two forms, copied as they are
but pointed at one font per face that holds the glyphs of every letter in the bundle. Such
letters are read straight from their bytes; anything else (a cover sheet, a letter laid out in
full) is copied page by page through pikepdf, its bundled fonts pointed at the same one font per
face. The bundle is written to disk as it goes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import struct
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pikepdf
from pikepdf import Name

from ..errors import OutputError
from ..files import atomic_file
from .assemble import MARK
from .fonts import (
    Face,
    face_of,
    font_glyphs,
    parse_to_unicode,
    parse_widths_text,
    read_face,
    write_font,
)
from .objects import CannotAssemble, StreamWriter, stream_object
from .reading import (
    DamagedDocument,
    check_identifier,
    check_sound,
    dictionary_end,
    own_objects,
    qpdf_says,
    split_stream,
)

_REF = re.compile(rb"(\d+) 0 R")


@dataclass
class _Union:
    """One face for the whole bundle: its dictionaries, numbers and every glyph shown in it."""

    base: Face
    numbers: list[int]
    widths: dict[int, float] = field(default_factory=dict)
    to_unicode: dict[int, str] = field(default_factory=dict)

    def add(self, widths: dict[int, float], to_unicode: dict[int, str]) -> None:
        """Join a letter's glyphs; CannotAssemble if one of them reads as other text in an
        earlier letter (a cut line's ellipsis, say): that letter keeps a font of its own."""
        for gid, text in to_unicode.items():
            if self.to_unicode.get(gid, text) != text:
                raise CannotAssemble(f"glyph {gid} reads as other text in an earlier letter")
        self.widths.update(widths)
        self.to_unicode.update(to_unicode)


@dataclass
class _Body:
    """What the bundle learnt from the first letter of one body."""

    form: int  # the body's Form XObject in the bundle
    head: int  # object numbers in the letters
    signature: int
    drawing: int
    mediabox: bytes
    fonts: dict[int, str]  # the body's font dictionaries in the letters -> face


class _Bundle:
    def __init__(self, handle: IO[bytes]) -> None:
        self.out = StreamWriter(handle)
        self.pages_number = self.out.reserve()
        self.pages: list[int] = []
        self.bodies: dict[bytes, _Body] = {}
        self.faces: dict[str, _Union] = {}
        self.seen: set[bytes] = set()  # subset names read (a name is a hash of its glyphs)
        self.resources: dict[bytes, int] = {}
        self.report = BundleReport()
        self.mediabox = b"[0 0 595.28 841.89]"  # the last page's, for a blank back
        self.body_fonts: dict[int, str] = {}  # the fonts of the body of the letter being read

    def add(self, data: bytes) -> None:
        """Add one document's pages. Raises DamagedDocument for one that is not a sound PDF:
        a bundle goes to a print shop or a fax gateway as it is."""
        if MARK not in data:
            self._add_pages(data)  # a cover sheet or a letter laid out in full: as any PDF
            self.report.copied += 1
            return
        try:
            self._add_assembled(data)
            self.report.from_bodies += 1
        except (CannotAssemble, ValueError, KeyError, IndexError, struct.error, zlib.error) as exc:
            # Made from a shared body but not in the form expected: copy it as any PDF, and
            # say so (the bundle grows by the fonts and body that could not be shared). Such a
            # letter may be damaged: it is checked in full first.
            check_sound(data)
            self._add_pages(data)
            self.report.fallbacks[_reason(exc)] += 1

    @contextlib.contextmanager
    def _source(self) -> Iterator[None]:
        """Object numbers of one source file are remembered only while it is read."""
        self.out.memo = {}
        try:
            yield
        finally:
            self.out.memo = {}

    # Letters from a shared body, read from their own bytes.

    def _add_assembled(self, data: bytes) -> None:
        start = data.find(MARK)
        if start < 0:
            raise CannotAssemble("not made from a shared body")
        check_identifier(data)
        end = data.index(b"\n", start)
        length, digest = data[start + len(MARK) : end].split()
        if int(length) != start or hashlib.sha256(data[:start]).hexdigest().encode() != digest:
            raise CannotAssemble("the shared part does not match its digest")
        body = self.bodies.get(digest)
        if body is None:
            body = self.bodies[digest] = self._learn_body(data)
        objects = own_objects(data, end + 1)
        forms = []
        self.body_fonts = body.fonts  # a supporter's form may draw with the body's subsets
        for number in (body.head, body.signature):
            dictionary, stream = split_stream(objects[number])
            forms.append(self._copy_form(dictionary, stream, objects, data))
        _, drawing = split_stream(objects[body.drawing])
        contents = self.out.add(stream_object(b"<<>>", b"q /Body Do Q\n" + drawing), stream=True)
        self._page(body.mediabox, body.form, forms, contents)

    def _learn_body(self, data: bytes) -> _Body:
        """The body's drawing becomes a Form XObject of the bundle (once per body)."""
        with pikepdf.open(io.BytesIO(data)) as pdf, self._source():
            page = pdf.pages[0]
            xobjects: Any = page.resources.get(Name.XObject, {})
            contents = page.obj.Contents
            if (
                Name.SupporterHead not in xobjects
                or not isinstance(contents, pikepdf.Array)
                or len(contents) < 4
            ):
                raise CannotAssemble("not laid out as a shared body")
            memo: dict[tuple[int, int], int] = {}
            for font in page.resources.get(Name.Font, {}).values():
                memo[font.objgen] = self.faces[self._face(font)].numbers[0]
            self.out.memo.update(memo)
            resources = {k: v for k, v in page.resources.items() if k not in ("/XObject", "/Font")}
            others = {
                k: v
                for k, v in xobjects.items()
                if k not in ("/SupporterHead", "/SupporterSignature")
            }
            font_refs = b"".join(
                bytes(Name(name).unparse()) + b" %d 0 R\n" % memo[font.objgen]
                for name, font in page.resources.get(Name.Font, {}).items()
            )
            extra = b"/Font <<\n" + font_refs + b">>\n"
            if others:
                extra += b"/XObject " + self.out.dump_dict(others) + b"\n"
            drawing = b"\n".join(s.read_bytes() for s in list(contents)[1:-2])
            mediabox = self.out.dump(pikepdf.Array([float(v) for v in page.mediabox]))
            form = self.out.add(
                stream_object(
                    b"<< /Type /XObject /Subtype /Form /BBox %s /Resources %s "
                    b"/Filter /FlateDecode >>" % (mediabox, self.out.dump_dict(resources, extra)),
                    zlib.compress(drawing),
                ),
                stream=True,
            )
            return _Body(
                form,
                xobjects.SupporterHead.objgen[0],
                xobjects.SupporterSignature.objgen[0],
                contents[-1].objgen[0],
                mediabox,
                {
                    font.objgen[0]: self._face(font)
                    for font in page.resources.get(Name.Font, {}).values()
                },
            )

    def _face(self, font: Any) -> str:
        """Read a font the first time its subset is met; its glyphs join its face's union."""
        name = bytes(font.get(Name.BaseFont, Name("/unknown")).unparse())
        face = face_of(name.decode("latin-1"))
        cmap = font.get(Name.ToUnicode)
        base = (
            name
            + hashlib.md5(
                cmap.read_raw_bytes() if isinstance(cmap, pikepdf.Stream) else b"",
                usedforsecurity=False,
            ).digest()
        )
        if base in self.seen and face in self.faces:
            return face
        if face in self.faces:
            _, widths, to_unicode = font_glyphs(font)
        else:  # the first font of a face also gives the dictionaries the bundle's font copies
            _, parsed = read_face(font, self.out)
            self.faces[face] = _Union(parsed, [self.out.reserve() for _ in range(5)])
            widths, to_unicode = parsed.widths, parsed.to_unicode
        self.faces[face].add(widths, to_unicode)
        self.seen.add(base)
        return face

    def _copy_form(
        self, dictionary: bytes, stream: bytes, objects: dict[int, bytes], data: bytes
    ) -> int:
        """A supporter's form as it is, its fonts replaced by the bundle's, resources shared."""
        start = dictionary.index(b"/Resources ") + len(b"/Resources ")
        indirect = re.match(rb"(\d+) 0 R", dictionary[start:])
        stop = start + indirect.end() if indirect else dictionary_end(dictionary, start)
        resources = self._inline(dictionary[start:stop], objects, data)
        if resources not in self.resources:
            self.resources[resources] = self.out.add(resources)
        rewritten = dictionary[:start] + b"%d 0 R" % self.resources[resources] + dictionary[stop:]
        return self.out.add(rewritten + b"\nstream\n" + stream + b"\nendstream", stream=True)

    def _inline(self, text: bytes, objects: dict[int, bytes], data: bytes) -> bytes:
        """``text`` with the letter's own objects written in place, fonts made the bundle's."""

        def replace(match: re.Match[bytes]) -> bytes:
            number = int(match.group(1))
            if number in self.body_fonts:
                return b"%d 0 R" % self.faces[self.body_fonts[number]].numbers[0]
            body = objects.get(number)
            if body is None:
                raise CannotAssemble("a form refers to an object outside the letter's own")
            if b"/Subtype /Type0" in body:
                face = self._letter_font(int(match.group(1)), body, objects, data)
                return b"%d 0 R" % self.faces[face].numbers[0]
            if b">>\nstream\n" in body:
                raise CannotAssemble("a stream among a form's resources")
            return self._inline(body, objects, data)

        return _REF.sub(replace, text)

    def _letter_font(
        self, number: int, type0: bytes, objects: dict[int, bytes], data: bytes
    ) -> str:
        """The face of one of the letter's fonts; its glyphs join the union (once per subset)."""
        base = re.search(rb"/BaseFont (/\S+)", type0)
        if base is None:
            raise CannotAssemble("a font without a name")
        face = face_of(base.group(1).decode("latin-1"))
        if face not in self.faces:  # a face the body does not use (another script, say)
            with pikepdf.open(io.BytesIO(data)) as pdf, self._source():
                return self._face(pdf.get_object(number, 0))
        self._letter_glyphs(type0, face, objects)
        return face

    def _letter_glyphs(self, type0: bytes, face: str, objects: dict[int, bytes]) -> None:
        base = re.search(rb"/BaseFont (/\S+)", type0)
        refs = re.search(rb"/DescendantFonts \[(\d+) 0 R\]", type0)
        cmap_ref = re.search(rb"/ToUnicode (\d+) 0 R", type0)
        if base is None or refs is None or cmap_ref is None:
            raise CannotAssemble("a font dictionary in an unexpected form")
        cmap_object = objects[int(cmap_ref.group(1))]
        # A subset is named after its glyphs; its text map is part of what was seen, too.
        seen = base.group(1) + hashlib.md5(cmap_object, usedforsecurity=False).digest()
        if seen in self.seen:
            return
        cid_font = objects[int(refs.group(1))]
        found = re.search(rb"/W \[(.*?)\]\n>>", cid_font, re.S)
        _, cmap = split_stream(cmap_object)
        to_unicode = parse_to_unicode(zlib.decompress(cmap))
        if found is None or to_unicode is None:
            raise CannotAssemble("a font's widths in an unexpected form")
        widths = parse_widths_text(found.group(1))
        self.faces[face].add(widths, to_unicode)
        self.seen.add(seen)

    # Anything else: pages copied object by object.

    def _add_pages(self, data: bytes) -> None:
        with pikepdf.open(io.BytesIO(data)) as pdf, self._source():
            for page in pdf.pages:
                # The bundled faces join the bundle's one font per face; other fonts are copied.
                for font in page.resources.get(Name.Font, {}).values():
                    if font.is_indirect:
                        try:
                            face = self._face(font)
                        except CannotAssemble:
                            continue
                        self.out.memo[font.objgen] = self.faces[face].numbers[0]
                entries = {
                    k: v
                    for k, v in page.obj.items()
                    if k not in ("/Parent", "/StructParents", "/Annots")
                }
                number = self.out.add(
                    self.out.dump_dict(entries, b"/Parent %d 0 R\n" % self.pages_number)
                )
                self.pages.append(number)
                self.mediabox = bytes(page.mediabox.unparse())

    def blank_back(self) -> None:
        """A blank page the size of the last one: the back of a sheet printed on both sides."""
        self.pages.append(
            self.out.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << >> >>"
                % (self.pages_number, self.mediabox)
            )
        )
        self.report.blank_backs += 1

    def _page(self, mediabox: bytes, body: int, forms: list[int], contents: int) -> None:
        self.mediabox = mediabox
        self.pages.append(
            self.out.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << /XObject << "
                b"/Body %d 0 R /SupporterHead %d 0 R /SupporterSignature %d 0 R >> >> "
                b"/Contents %d 0 R >>"
                % (self.pages_number, mediabox, body, forms[0], forms[1], contents)
            )
        )

    def finish(self) -> None:
        for face, union in self.faces.items():
            write_font(self.out, union.numbers, face, union.base, union.widths, union.to_unicode)
        kids = b" ".join(b"%d 0 R" % n for n in self.pages)
        self.out.put(
            self.pages_number,
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(self.pages), kids),
        )
        root = self.out.add(b"<< /Type /Catalog /Pages %d 0 R >>" % self.pages_number)
        self.out.finish(root)


@dataclass
class BundleReport:
    """How the documents of a bundle went in."""

    from_bodies: int = 0  # letters read from their bytes, their body and fonts shared
    copied: int = 0  # documents of another kind (cover sheets, letters laid out in full)
    blank_backs: int = 0  # blank pages added so that each document starts on a new sheet
    #: why letters made from a shared body had to be copied page by page instead -> how many
    fallbacks: Counter[str] = field(default_factory=Counter)


def _reason(exc: Exception) -> str:
    if isinstance(exc, CannotAssemble):
        return str(exc)
    return f"unreadable shared-body letter ({type(exc).__name__})"


def _write(handle: IO[bytes], parts: Iterable[bytes | Path], duplex: bool) -> BundleReport:
    bundle = _Bundle(handle)
    for index, part in enumerate(parts, start=1):
        name = f"document {index} of the bundle" if isinstance(part, bytes) else str(part)
        before = len(bundle.pages)
        try:
            bundle.add(part if isinstance(part, bytes) else part.read_bytes())
        except DamagedDocument as exc:
            raise OutputError(f"{name}: {exc}; make it again (remove it and run again)") from None
        except (pikepdf.PdfError, AttributeError, TypeError, ValueError, KeyError) as exc:
            raise OutputError(
                f"{name}: cannot be copied into the bundle ({type(exc).__name__}: "
                f"{qpdf_says(str(exc))}); make it again"
            ) from None
        if duplex and (len(bundle.pages) - before) % 2:
            bundle.blank_back()
    bundle.finish()
    return bundle.report


def bundle(parts: Sequence[bytes | Path], *, duplex: bool = False) -> bytes:
    """The pages of ``parts`` in one PDF (in memory; see :func:`write_bundle` for big ones)."""
    buffer = io.BytesIO()
    _write(buffer, parts, duplex)
    return buffer.getvalue()


def write_bundle(
    path: Path, parts: Iterable[bytes | Path], *, duplex: bool = False
) -> BundleReport:
    """The pages of ``parts`` in one PDF at ``path``, written as it goes and renamed at the end
    (nothing half-written is left if a document is damaged or the run is stopped).

    ``duplex``: a document with an odd number of pages is followed by a blank back, so that
    on a printer printing both sides every document (a letter going into its own envelope)
    starts on a sheet of its own."""
    with atomic_file(path) as handle:
        return _write(handle, parts, duplex)
