"""A supporter's one-line texts drawn as WeasyPrint draws them, without laying out a document.

Laying out a supporter's few lines costs a whole WeasyPrint document (tens of milliseconds);
drawing them costs what shaping them costs. A sample supporter's lines, laid out once, give
each line's place, computed style and room (:func:`sample_lines`). :class:`LineDrawer` then
shapes another supporter's text in that style with Pango, which runs HarfBuzz with the same
quantised sizes, kerning and letter spacing as a layout, and writes the glyphs as
WeasyPrint's own ``draw_first_line`` writes them (:mod:`.glyph_runs`, or ``draw_first_line``
itself for a line it declines): the bytes are those a layout would have written, which the
caller checks on the sample itself before trusting a line's place.

A text is cut into lines by WeasyPrint's own line breaking (:meth:`LineDrawer.split`); the
caller needs a sample with as many lines in each place. A text that takes a face the
document's fonts do not hold (a glyph no bundled font has) raises :class:`CannotDraw` with the
reason, and that supporter is laid out as before. WeasyPrint's internals used here are
named in ``tests/test_weasyprint_contract.py``.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

import pydyf

from .glyph_runs import write_runs

K = TypeVar("K")
V = TypeVar("V")


class CannotDraw(Exception):
    """This text cannot be drawn on its own: it needs a layout."""


@dataclass(frozen=True)
class SampleLine:
    """One line of a laid-out sample: where it is drawn and how."""

    page: int
    role: str  # the class of the element the text is in
    text: str
    style: Any  # WeasyPrint's computed style of the text
    x: float  # where the baseline starts, CSS px from the page's top left
    y: float
    room: float  # the width the line has: its block's content width


def sample_lines(document: Any) -> list[SampleLine]:
    """Every text box of a laid-out document, page by page in tree order (the order in which
    the template's positioned boxes, with no z-index, are painted)."""
    from weasyprint.formatting_structure import boxes

    found: list[SampleLine] = []

    def walk(box: Any, page: int, block: Any) -> None:
        box = getattr(box, "_box", box)  # an absolutely positioned box sits in a placeholder
        if isinstance(box, boxes.BlockContainerBox) and not isinstance(box, boxes.LineBox):
            block = box
        if isinstance(box, boxes.TextBox):
            found.append(
                SampleLine(
                    page=page,
                    role=str(box.element.get("class") or ""),
                    text=box.text,
                    style=box.style,
                    x=box.position_x,
                    y=box.position_y + box.baseline,
                    room=block.width,
                )
            )
        for child in getattr(box, "children", None) or []:
            walk(child, page, block)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number, None)
    return found


class _FontView:
    """One face as one document uses it: WeasyPrint's font, with the document's own widths
    and Unicode map (a document records each glyph's width the first time it draws it)."""

    def __init__(self, font: Any) -> None:
        if font.bitmap or font.png or font.svg or font.colr:
            raise CannotDraw("a colour or bitmap font")
        self.hash: str = font.hash
        self.bitmap = self.png = self.svg = self.colr = False
        self.widths: dict[int, int] = {}
        self.to_unicode: dict[int, str] = {}

    def get_unused_glyph_id(self, codepoint: int) -> int:
        raise CannotDraw(f"no font has a glyph for U+{codepoint:04X}")

    def copy_empty(self) -> _FontView:
        """The same face with nothing recorded yet."""
        view = _FontView.__new__(_FontView)
        view.__dict__.update(self.__dict__, widths={}, to_unicode={})
        return view


@dataclass(frozen=True)
class _DrawnLine:
    """A line drawn once, for the next supporter with the same text in the same place (the
    city in "I live in ...", a country): its bytes and the glyphs it recorded."""

    style: Any  # kept so that its id, part of the key, is not given to another style
    data: bytes
    fonts: dict[int, _FontView]
    slow: bool  # written by WeasyPrint's draw_first_line, not write_runs


class _Recent(Generic[K, V]):
    """The most recently used ``size`` entries (a supporters file repeats cities and countries,
    and names hardly ever: a bounded memory, not one growing with the file)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


class _Recorder(pydyf.Stream):  # type: ignore[misc]
    """What ``draw_first_line`` writes to a page, as WeasyPrint's stream would write it."""

    def __init__(self, drawing: Drawing, rects: tuple[Any, Any]) -> None:
        super().__init__()
        self.drawing = drawing
        self.ink_rect, self.logical_rect = rects
        self._current: tuple[str, float] | None = None

    def add_font(self, pango_font: Any) -> tuple[_FontView, float]:
        return self.drawing.font(pango_font)

    def set_font_size(self, font: str, size: float) -> None:
        if (font, size) != self._current:
            self._current = (font, size)
            super().set_font_size(font, size)


class Drawing:
    """One supporter's lines, drawn as one document of their own would draw them."""

    def __init__(self, drawer: LineDrawer) -> None:
        self._drawer = drawer
        self.fonts: dict[int, _FontView] = {}
        #: lines whose glyphs write_runs left to WeasyPrint's draw_first_line (raised glyphs)
        self.slow_lines = 0

    def font(self, pango_font: Any) -> tuple[_FontView, float]:
        from weasyprint.pdf.fonts import Font
        from weasyprint.text.fonts import get_pango_font_key

        key, description, size = get_pango_font_key(pango_font)
        if key not in self.fonts:
            shared = self._drawer.fonts.get(key)
            if shared is None:
                shared = self._drawer.fonts[key] = Font(pango_font, description, size)
            self.fonts[key] = _FontView(shared)
        return self.fonts[key], size

    def line(self, sample: SampleLine, text: str, layout: Any = None) -> bytes:
        """One line's ``text`` (as :meth:`LineDrawer.split` cut it, with its layout if it made
        one in ``sample``'s style) drawn in ``sample``'s place and style: a text object
        (``BT`` ... ``ET``)."""
        key = (id(sample.style), sample.x, sample.y, text)
        known = self._drawer.drawn.get(key)
        if known is None:
            # Drawn in a document of its own, so that what it records is this line's alone.
            alone = Drawing(self._drawer)
            data = alone._draw(sample, text, layout)
            known = _DrawnLine(sample.style, data, alone.fonts, alone.slow_lines > 0)
            self._drawer.drawn.put(key, known)
        if not self._take(known.fonts):
            return self._draw(sample, text, layout)
        self.slow_lines += known.slow
        return known.data

    def _take(self, fonts: dict[int, _FontView]) -> bool:
        """Record a line's glyphs as drawing it here would; False, recording nothing, if a glyph
        it draws already has another width here (WeasyPrint keeps a glyph's first width in a
        document, met at another size, and kerns the line with it: its bytes would differ)."""
        for key, theirs in fonts.items():
            mine = self.fonts.get(key)
            if mine is not None and any(
                mine.widths[gid] != theirs.widths[gid]
                for gid in mine.widths.keys() & theirs.widths.keys()
            ):
                return False
        for key, theirs in fonts.items():
            mine = self.fonts.get(key)
            if mine is None:
                mine = self.fonts[key] = theirs.copy_empty()
            for gid in theirs.widths.keys() - mine.widths.keys():
                mine.widths[gid] = theirs.widths[gid]
            for gid in theirs.to_unicode.keys() - mine.to_unicode.keys():
                mine.to_unicode[gid] = theirs.to_unicode[gid]
        return True

    def _draw(self, sample: SampleLine, text: str, layout: Any) -> bytes:
        from weasyprint.draw.text import draw_first_line
        from weasyprint.matrix import Matrix

        if layout is None:
            layout = _prepared(sample.style, text, self._drawer.templates)
            if layout.get_first_line()[1] is not None:
                raise CannotDraw(f"a line that breaks ({sample.role})")
        recorder = _Recorder(self, self._drawer.rects)
        recorder.begin_text()
        at = Matrix(d=-1, e=sample.x, f=sample.y)
        if not write_runs(recorder, layout, at, self._drawer.widths_of, self._drawer.segments):
            self.slow_lines += 1
            box = SimpleNamespace(text=text, style=sample.style, pango_layout=layout)
            if draw_first_line(recorder, box, "clip", "none", at):
                raise CannotDraw("an image glyph")
        recorder.end_text()
        return b"\n".join(recorder.stream)

    def used(self) -> dict[str, tuple[dict[int, int], dict[int, str]]]:
        """Each font drawn with, by its resource name: glyph widths and Unicode text."""
        return {view.hash: (view.widths, view.to_unicode) for view in self.fonts.values()}


def _prepared(style: Any, text: str, templates: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """``text`` in a Pango layout of no set width, as WeasyPrint prepares a text box to draw.

    In single-paragraph mode from the start, as ``draw_first_line`` sets it before drawing:
    set later, it makes Pango lay the line out again. The texts drawn hold no character that
    mode treats otherwise (:meth:`LineDrawer.split` refuses line and paragraph separators).
    With ``templates`` (style id -> the style and an empty layout in it), the layout is a copy
    of its style's: setting a Pango layout up from a style took longer than shaping a name.
    """
    from weasyprint.text.ffi import pango
    from weasyprint.text.line_break import Layout

    known = templates.get(id(style)) if templates is not None else None
    if known is not None:
        layout = _copy(known[1])
    else:
        layout = Layout(style)
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        if templates is not None:  # the style kept with it, so that its id is not reused
            templates[id(style)] = (style, layout)
            layout = _copy(layout)
    layout.set_text(text, justify=True)
    return layout


def _copy(template: Any) -> Any:
    """A WeasyPrint layout with its own copy of ``template``'s Pango layout (its context, font,
    features and attributes), ready for ``set_text``. WeasyPrint's bindings do not declare
    ``pango_layout_copy``: it is declared here, once."""
    from weasyprint.text.ffi import ffi, gobject, pango
    from weasyprint.text.line_break import Layout

    try:
        copy = pango.pango_layout_copy
    except AttributeError:
        ffi.cdef("PangoLayout * pango_layout_copy (PangoLayout *src);")
        copy = pango.pango_layout_copy
    layout = Layout.__new__(Layout)
    layout.__dict__.update(template.__dict__)
    layout.layout = ffi.gc(copy(template.layout), gobject.g_object_unref)
    return layout


#: Line and paragraph separators, and control characters: Pango would break the line there.
_BREAKING = {"Zl", "Zp", "Cc"}


class LineDrawer:
    """Draws supporters' lines in a process: WeasyPrint's font objects, made once per face."""

    def __init__(self) -> None:
        from weasyprint.text.ffi import ffi

        self.fonts: dict[int, Any] = {}
        self.rects = (ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *"))
        self._context = SimpleNamespace(dictionaries={})  # hyphenation dictionaries, as a layout's
        #: (style, room, text) -> the text's lines, as split cut them
        self.cut: _Recent[tuple[int, float, str], tuple[Any, tuple[str, ...]]] = _Recent(4096)
        #: (style, x, y, text) -> the line drawn there
        self.drawn: _Recent[tuple[int, float, float, str], _DrawnLine] = _Recent(4096)
        #: (face, size) -> glyph id -> logical width, as WeasyPrint records it in a document
        self._widths: dict[tuple[str, float], dict[int, int]] = {}
        #: style id -> the style and an empty layout in it, copied for each text (_prepared)
        self.templates: dict[int, tuple[Any, Any]] = {}
        #: what write_runs wrote for a glyph, by its advance, offset, width and size
        self.segments: dict[Any, str] = {}

    def widths_of(self, pango_font: Any, font: _FontView, size: float) -> Callable[[int], int]:
        """A glyph's logical width in ``font`` at ``size``, as ``draw_first_line`` computes it
        from Pango's extents the first time a document draws the glyph: asked of Pango once per
        process, not once per letter."""
        from weasyprint.text.ffi import FROM_UNITS, pango

        known = self._widths.setdefault((font.hash, size), {})
        ink, logical = self.rects

        def width(glyph: int) -> int:
            found = known.get(glyph)
            if found is None:
                pango.pango_font_get_glyph_extents(pango_font, glyph, ink, logical)
                found = known[glyph] = round(logical.width * 1000 * FROM_UNITS / size)
            return found

        return width

    def document(self) -> Drawing:
        """A fresh drawing: glyph widths are recorded per document, as WeasyPrint does."""
        return Drawing(self)

    def split(self, style: Any, room: float, text: str) -> list[tuple[str, Any]]:
        """``text`` cut into lines ``room`` wide as WeasyPrint's line breaking cuts a text box
        alone in its block (its own ``split_first_line``, hyphenation included): each line's
        text, and its layout ready to draw when it is the whole text and was shaped now (else
        None). A text met recently in the same style and room is not cut again."""
        known = self.cut.get((id(style), room, text))
        if known is not None:
            return [(line, None) for line in known[1]]
        lines = self._split(style, room, text)
        self.cut.put((id(style), room, text), (style, tuple(line for line, _ in lines)))
        return lines

    def _split(self, style: Any, room: float, text: str) -> list[tuple[str, Any]]:
        from weasyprint.text.line_break import line_size, split_first_line

        if not text.strip() or any(unicodedata.category(c) in _BREAKING for c in text):
            raise CannotDraw("an empty line or a character that breaks it")
        # Most texts fit their line: shaped once, unconstrained, as a text box is drawn. Pango
        # breaks no line narrower than its room, and WeasyPrint keeps such a line whole.
        whole = _prepared(style, text, self.templates)
        first, rest = whole.get_first_line()
        if rest is None and line_size(first, style)[0] < room - _EPSILON:
            return [(text, whole)]
        lines: list[tuple[str, Any]] = []
        left = text.encode()
        while left:
            layout, length, resume, *_ = split_first_line(
                left.decode(), style, self._context, room, 0, is_line_start=True
            )
            if length <= 0 or len(lines) == _MOST_LINES:
                raise CannotDraw("a text that takes too many lines")
            lines.append((layout.text, None))
            if resume is None:
                break
            if left[length:resume].strip(b" "):
                raise CannotDraw("a preserved line break")
            left = left[resume:]
        return lines


#: CSS px: a text this close to the width of its line is cut by WeasyPrint's own function.
_EPSILON = 0.01
#: A text of more lines than this is laid out (the template's lines have one or two).
_MOST_LINES = 3
