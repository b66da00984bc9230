"""Turn composed letters into tagged, reproducible one-page PDFs with WeasyPrint.

WeasyPrint would fetch any URL a template names; here it may read only files inside the
bundled assets and the user's own templates folder, and nothing from the network.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import hashlib
import logging
import math
import os
import re
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..assets import package_dir
from ..compose import Letter
from ..errors import RenderError
from ..limits import Deadline, TimeUp, time_limit

#: Font sizes tried, largest first, before a letter is declared too long for one page.
FONT_SCALES = (1.0, 0.976, 0.952)  # 10.5, 10.25 and 10 pt (Arabic 12.6 to 12)

#: PDF/UA-1: tagged structure, document language and title, all fonts embedded.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}


class _ForbiddenURL(BaseException):
    """Raised inside WeasyPrint to stop a render that asks for a forbidden URL.

    WeasyPrint swallows ordinary exceptions from URL fetchers (it only logs them); a
    BaseException stops the render, so a template cannot quietly reach the network.
    """

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class _Captured(logging.Handler):
    """WeasyPrint's warnings, kept for the letter being laid out instead of printed or lost."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.records is not None:
            self.records.append(record.getMessage())


_CAPTURED = _Captured()
_NOTDEF = re.compile(r"\.notdef glyph rendered for Unicode string unsupported by fonts: \"(.*)\"")


def missing_characters(warnings: Iterable[str]) -> list[str]:
    """The characters WeasyPrint drew as empty boxes (no font has them), from its warnings."""
    found: dict[str, None] = {}
    for warning in warnings:
        match = _NOTDEF.match(warning)
        if match:
            found.update(dict.fromkeys(match.group(1)))
    return list(found)


def describe_characters(chars: Iterable[str]) -> str:
    """``'李' (U+674E), '小' (U+5C0F)``: what a user needs to find them in their file."""
    return ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars)


#: Longest a letter may take to lay out or write (a letter takes about 0.1 s).
LAYOUT_SECONDS = 60


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts about 3x faster with libharfbuzz-subset; say when it is missing."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


@dataclass(frozen=True)
class RenderedLetter:
    letter: Letter
    pdf: bytes
    pages: int
    font_scale: float
    warnings: tuple[str, ...] = ()  # WeasyPrint's, for this letter


class PdfRenderer:
    """Renders letters with one shared font configuration (fonts are loaded once per run)."""

    def __init__(self, allowed_roots: Iterable[Path] = ()) -> None:
        # Imported here: WeasyPrint takes a noticeable time to import and `check` does not need it.
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        self._weasyprint = weasyprint
        self.base_dir = package_dir(".")
        self.allowed_roots = tuple(
            p.resolve() for p in (package_dir("fonts"), package_dir("templates"), *allowed_roots)
        )
        self.font_config = FontConfiguration()
        _own_font_folder_in_forks(self.font_config)
        self.fetcher = self._make_fetcher()
        #: WeasyPrint's warnings during the last call to layout() or write()
        self.last_warnings: list[str] = []
        self._refused: list[str] = []  # URLs refused during the last call
        #: Parsed stylesheets by their text, with the warnings their parsing gave and their
        #: counter styles.
        self._sheets: dict[str, tuple[Any, list[str], Any]] = {}
        logger = logging.getLogger("weasyprint")
        if _CAPTURED not in logger.handlers:
            logger.addHandler(_CAPTURED)
            logger.setLevel(logging.WARNING)
            logger.propagate = False  # ours to report, per letter
        logging.getLogger("fontTools").setLevel(logging.ERROR)  # subsetting chatter

    @contextlib.contextmanager
    def _capture(self, letter: Letter | None = None) -> Iterator[None]:
        """WeasyPrint's warnings into ``last_warnings``; a forbidden URL stops the render even
        where WeasyPrint would catch it (an SVG image's own links are fetched that way); so
        does a document that takes longer than LAYOUT_SECONDS (a template of one's own)."""
        self.last_warnings = []
        self._refused = []
        _CAPTURED.records = self.last_warnings
        deadline = Deadline()
        try:
            with time_limit(LAYOUT_SECONDS) as deadline:
                yield
        except _ForbiddenURL as exc:
            self._refused.append(exc.url)
        except TimeUp:
            pass
        finally:
            _CAPTURED.records = None
        if deadline.expired:  # even where WeasyPrint caught the timer (around an SVG image)
            who = f"the letter to {letter.recipient.id}" if letter else "a document"
            raise RenderError(
                f"{who} took more than {LAYOUT_SECONDS} s to lay out; check the template"
            )
        if self._refused:
            who = f"letter to {letter.recipient.id}: " if letter else ""
            raise RenderError(
                f"{who}the template asks for {self._refused[0]!r}; only files in the "
                "templates and fonts folders can be used, and nothing from the web"
            )

    def _make_fetcher(self) -> Any:
        roots = self.allowed_roots
        base = self._weasyprint.URLFetcher

        class BundledAssetsFetcher(base):  # type: ignore[misc, valid-type]
            """Serves ``file:`` URLs below the allowed folders and ``data:`` URLs; nothing else."""

            def fetch(self, url: str, headers: Any = None) -> Any:
                parts = urlsplit(url)
                if parts.scheme == "data":
                    return super().fetch(url, headers)
                if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                    path = Path(unquote(parts.path)).resolve()
                    if any(path.is_relative_to(root) for root in roots) and path.is_file():
                        return super().fetch(path.as_uri(), headers)
                renderer._refused.append(url)
                raise _ForbiddenURL(url)

        renderer = self
        return BundledAssetsFetcher()

    def layout(self, letter: Letter) -> Any:
        """Lay out one letter; raises RenderError for a forbidden URL. WeasyPrint's warnings
        are in ``last_warnings`` afterwards.

        The letter's first ``<style>`` (the template's stylesheet, the same for every letter) is
        parsed once and kept: parsing it took half the time of laying out a supporter's lines.
        """
        html_text, css_text = _split_style(letter.html)
        base_url = self.base_dir.as_uri() + "/"
        with self._capture(letter):
            sheet, counters = self._stylesheet(css_text) if css_text is not None else (None, None)
            html = self._weasyprint.HTML(
                string=html_text, base_url=base_url, url_fetcher=self.fetcher
            )
            return html.render(
                font_config=self.font_config,
                counter_style=counters,
                stylesheets=[sheet] if sheet is not None else [],
                **PDF_OPTIONS,
            )

    def _stylesheet(self, css_text: str) -> tuple[Any, Any]:
        """The parsed stylesheet and its @counter-style rules (a stylesheet parsed apart from
        its document keeps them in an object of their own, which the layout must be given);
        what WeasyPrint said parsing it is said again for every letter that uses it, as when
        each letter parsed it."""
        kept = self._sheets.get(css_text)
        if kept is None:
            if len(self._sheets) >= 8:  # templates do not change while a process runs
                self._sheets.clear()
            from weasyprint.css.counters import CounterStyle

            before = len(self.last_warnings)
            counters = CounterStyle()
            sheet = self._weasyprint.CSS(
                string=css_text,
                base_url=self.base_dir.as_uri() + "/",
                url_fetcher=self.fetcher,
                font_config=self.font_config,
                counter_style=counters,
            )
            kept = sheet, self.last_warnings[before:], counters
            self._sheets[css_text] = kept
        else:
            self.last_warnings.extend(kept[1])
        return kept[0], kept[2]

    def simple_pdf(self, html: str, identifier: bytes) -> bytes:
        """A one-off document (a bundle's cover sheet) with the same fonts and URL rules."""
        with self._capture():
            document = self._weasyprint.HTML(
                string=html, base_url=self.base_dir.as_uri() + "/", url_fetcher=self.fetcher
            ).render(font_config=self.font_config, **PDF_OPTIONS)
            pdf: bytes = document.write_pdf(pdf_identifier=identifier, **PDF_OPTIONS)
        missing = missing_characters(self.last_warnings)
        if missing:
            raise RenderError(f"no font has {describe_characters(missing)}")
        return pdf

    @staticmethod
    def overflowing_zones(document: Any) -> set[str]:
        """The fixed zones (``data-zone`` in the template) whose text runs past their edge.

        The address must stay inside the envelope window: a very long name, title or
        address would otherwise be cut off by the envelope without anyone noticing.
        """
        return {zone for zones in _overflows(document).values() for zone in zones}

    @staticmethod
    def overflowing_pages(document: Any, zone: str) -> set[int]:
        """The pages (from 0) on which ``zone`` overflows."""
        return {page for page, zones in _overflows(document).items() if zone in zones}

    def write(self, letter: Letter, document: Any) -> bytes:
        """PDF/UA-1 (tagged), fonts embedded and subset, with a stable file identifier."""
        identifier = hashlib.sha256(letter.html.encode("utf-8")).hexdigest()[:32].encode()
        with self._capture(letter):
            pdf: bytes = document.write_pdf(pdf_identifier=identifier, **PDF_OPTIONS)
        return pdf


def _own_font_folder_in_forks(font_config: Any) -> None:
    """Give each forked worker a font folder of its own, inside the parent's.

    WeasyPrint writes each @font-face it loads to a file in its font configuration's folder and
    skips a face whose file is already there, taking it as registered. Workers forked from one
    renderer share that folder, so a face one worker loaded (the Devanagari face for a name in
    that script) was skipped by another, whose letter then had no font for it. Inside the
    parent's folder, the workers' folders go when the parent removes its own.
    """
    config = weakref.ref(font_config)

    def before() -> None:
        found = config()
        if found is not None and found._folder is None:
            found._folder = Path(tempfile.mkdtemp(prefix="weasyprint-"))

    def in_child() -> None:
        found = config()
        if found is not None and found._folder is not None:
            found._folder = Path(tempfile.mkdtemp(dir=found._folder))

    os.register_at_fork(before=before, after_in_child=in_child)


def _principal(box: Any) -> tuple[Any, Any]:
    """A box of WeasyPrint's box tree (an internal API) and the element it is the principal box
    of, or None (absolutely positioned boxes sit in a placeholder)."""
    box = getattr(box, "_box", box)
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) != element.tag:
        return box, None
    return box, element


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _split_style(html: str) -> tuple[str, str | None]:
    """The HTML without its first ``<style>`` element, and that element's text."""
    match = _STYLE.search(html)
    if match is None:
        return html, None
    return html[: match.start()] + html[match.end() :], match.group(1)


def find_box(document: Any, css_class: str, page: int = 0) -> Any:
    """The box of the first element with ``css_class`` on a laid-out page."""
    stack = [document.pages[page]._page_box]
    while stack:
        box, element = _principal(stack.pop())
        if element is not None and element.get("class") == css_class:
            return box
        stack.extend(getattr(box, "children", None) or [])
    raise RenderError(f"the letter template has no element of class '{css_class}'")


def overflow(document: Any, css_class: str) -> tuple[int, int]:
    """How far the element with ``css_class`` runs past the first page, as (lines, characters)
    of its own type, so that an error can say by how much to shorten a text.

    What moved to the next page whole (a signature block that avoids breaks) counts in full,
    and so does the gap it left at the foot of the first page.
    """
    first = find_box(document, css_class)
    heights, chars = _line_boxes(first)
    if not heights or len(document.pages) < 2:
        return 0, 0
    line = sorted(heights)[len(heights) // 2]
    full = sorted(chars)[len(chars) * 3 // 4]  # a full line's characters, not a paragraph end
    page = document.pages[0]._page_box
    needed = _content_bottom(first) - (page.content_box_y() + page.height)
    for number in range(1, len(document.pages)):
        try:
            box = find_box(document, css_class, number)
        except RenderError:
            continue
        needed += _content_bottom(box) - box.position_y
    # Half a line more: the last paragraph's margin, and a cut that does not fall on a line end.
    lines = max(1, math.ceil(needed / line + 0.5))
    return lines, lines * full


def lines_of(document: Any, css_class: str) -> int:
    """How many lines the element with ``css_class`` takes on the first page."""
    return len(_line_boxes(find_box(document, css_class))[0])


def _line_boxes(box: Any) -> tuple[list[float], list[int]]:
    """The height and the number of characters of every line inside ``box``."""
    heights: list[float] = []
    chars: list[int] = []
    stack = [box]
    while stack:
        item = stack.pop()
        current = getattr(item, "_box", item)
        if type(current).__name__ == "LineBox":
            heights.append(current.height)
            texts: list[str] = []
            inner = list(current.children or [])
            while inner:
                child = inner.pop()
                if hasattr(child, "text"):
                    texts.append(child.text)
                inner.extend(getattr(child, "children", None) or [])
            chars.append(len("".join(texts)))
            continue
        stack.extend(getattr(current, "children", None) or [])
    return heights, chars


def wrapped_lines(document: Any, zone: str) -> list[str]:
    """The texts of the one-line elements (class ``line``) in ``zone`` that took more than one
    line on the first page: the address line to shorten, named."""
    stack = [document.pages[0]._page_box]
    zone_box = None
    while stack and zone_box is None:
        box, element = _principal(stack.pop())
        if element is not None and element.get("data-zone") == zone:
            zone_box = box
        stack.extend(getattr(box, "children", None) or [])
    found: list[str] = []
    stack = [zone_box] if zone_box is not None else []
    while stack:
        box, element = _principal(stack.pop(0))
        if element is not None and element.get("class") == "line":
            lines = sum(type(child).__name__ == "LineBox" for child in box.children or [])
            if lines > 1:
                found.append(" ".join("".join(element.itertext()).split()))
            continue
        stack[:0] = getattr(box, "children", None) or []
    return found


def _overflows(document: Any) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for number, page in enumerate(document.pages):
        stack = [page._page_box]
        while stack:
            box, element = _principal(stack.pop())
            zone = element.get("data-zone") if element is not None else None
            if zone:
                bottom = box.position_y + box.margin_height()
                if _content_bottom(box) > bottom + 0.5:
                    found.setdefault(number, set()).add(str(zone))
                continue
            stack.extend(getattr(box, "children", None) or [])
    return found


def _content_bottom(box: Any) -> float:
    """The lowest edge of anything laid out inside ``box``."""
    lowest = 0.0
    stack = list(getattr(box, "children", None) or [])
    while stack:
        child = stack.pop()
        child = getattr(child, "_box", child)
        lowest = max(lowest, child.position_y + child.margin_height())
        stack.extend(getattr(child, "children", None) or [])
    return lowest
