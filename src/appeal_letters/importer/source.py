"""An appeal's text, whatever it came as: plain text, a saved web page, a PDF, an e-mail, a
Word file. Everything after this works on numbered lines of clean text.

Cleaning is told, not hidden: the count of invisible or control characters removed is kept
for the review report.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from ..errors import AppealLettersError

#: Larger than any appeal (a ten-page appeal is about 40 KB of text, its PDF about 1 MB).
MAX_BYTES = 20_000_000
#: More text than this is not one appeal.
MAX_CHARS = 500_000

KINDS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".eml": "eml",
    ".docx": "docx",
}

#: Removed from the text: controls (tab and line feed aside), bidi overrides, zero-width and
#: other invisible characters a copy from a web page or PDF brings along.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u2800\u3164\ufeff\uffa0]"
)
#: Enough of an appeal code to tell an appeal's text from a cover note.
_LOOKS_LIKE_CODE = re.compile(r"OBS\s*\d{3}|\b(?:UA|AU)\s*:?\s*\d{1,3}\s*/\s*\d{2}\b")
#: Terminal escape sequences: removed whole, not only their ESC ("\x1b[31m").
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


class ImportError_(AppealLettersError):
    """A source that cannot be read as an appeal's text."""


@dataclass(frozen=True)
class Source:
    """The appeal's text as numbered lines (``lines[0]`` is line 1)."""

    name: str
    kind: str
    lines: list[str]
    removed: int = 0
    notes: list[str] = field(default_factory=list)
    #: For HTML: the page's own first heading and title, better titles than any line.
    headings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def kind_of(name: str) -> str:
    """The reader for a file name, from its extension (``-`` is text on standard input)."""
    if name == "-":
        return "text"
    suffix = Path(name).suffix.lower()
    if suffix not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise ImportError_(
            f"{name}: cannot import a '{suffix or 'no extension'}' file; give one of {known}"
        )
    return KINDS[suffix]


def read_source(name: str, data: bytes) -> Source:
    """Read ``data`` (the bytes of file ``name``) as an appeal's text, or raise one clear line."""
    if len(data) > MAX_BYTES:
        raise ImportError_(
            f"{name}: {len(data):,} bytes is far more than an appeal; give the appeal alone"
        )
    kind = kind_of(name)
    notes: list[str] = []
    headings: list[str] = []
    if kind == "text":
        text = _decode(name, data)
    elif kind == "html":
        text, headings = _html_text(_decode(name, data))
    elif kind == "pdf":
        text = _pdf_text(name, data)
    elif kind == "docx":
        text = _docx_text(name, data)
    else:
        text, kind, notes = _eml_text(name, data)
    return clean(name, kind, text, notes, headings)


def clean(name: str, kind: str, text: str, notes: list[str], headings: list[str]) -> Source:
    """Numbered lines of NFC text without invisible characters, spaces made plain."""
    if len(text) > MAX_CHARS:
        raise ImportError_(f"{name}: {len(text):,} characters of text is far more than an appeal")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text, escapes = _ESCAPES.subn("", text)
    text, removed = _INVISIBLE.subn("", text)
    removed += escapes
    text = _SPACES.sub(" ", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    if not any(lines):
        raise ImportError_(f"{name}: holds no text; give the appeal's text, web page or PDF")
    return Source(name, kind, lines, removed, notes, [" ".join(h.split()) for h in headings])


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportError_(
            f"{name}: is a binary file, not text; give the appeal as .txt, .html, .pdf, "
            ".eml or .docx"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportError_(
                f"{name}: is UTF-16 text damaged at byte {exc.start}; save it again as UTF-8"
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportError_(
            f"{name}: is neither UTF-8 nor Windows-1252 text (byte {exc.start}); save it as UTF-8"
        ) from exc
    return text


def _html_text(html: str) -> tuple[str, list[str]]:
    """Text of a web page laid out as a reader sees it (lists one item a line), with its
    first heading and title."""
    import lxml.html
    from inscriptis import get_text

    headings: list[str] = []
    try:
        tree = lxml.html.fromstring(html or "<html></html>")
        for path in ("//h1", "//title"):
            found = tree.xpath(path)
            if found:
                headings.append(found[0].text_content().strip())
    except (ValueError, lxml.etree.ParserError):
        pass
    return get_text(html), [h for h in headings if h]


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """A library's own warnings about a damaged file would print beside our one line."""
    logger = logging.getLogger(logger_name)
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def _pdf_text(name: str, data: bytes) -> str:
    """Text of each page (pypdf, layout mode: it keeps the blank lines between paragraphs and
    address blocks). qpdf (pikepdf) opens it first: it reads damaged files pypdf does not, and
    decrypts those encrypted without an opening password (permissions only, often AES, which
    pypdf cannot do without another library)."""
    import pikepdf
    import pypdf
    from pypdf.errors import PyPdfError

    broken = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError,
              IndexError, pikepdf.PdfError)  # fmt: skip
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                opened = io.BytesIO()
                pdf.save(opened)
                data = opened.getvalue()
    except pikepdf.PasswordError as exc:
        raise ImportError_(
            f"{name}: the PDF is encrypted with a password; give an open copy"
        ) from exc
    except broken as exc:
        raise ImportError_(f"{name}: is not a PDF that can be read ({exc}); save it again") from exc
    try:
        with _quiet("pypdf"):
            reader = pypdf.PdfReader(io.BytesIO(data))
            pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except broken as exc:
        raise ImportError_(f"{name}: is not a PDF that can be read ({exc}); save it again") from exc
    if not "".join(pages).strip():
        raise ImportError_(
            f"{name}: the PDF has no text layer (a scan?); run OCR on it or give the text"
        )
    return "\n\n".join(pages)


#: Most a Word file may unpack to (an appeal's document.xml is well under 1 MB).
MAX_UNPACKED = 50_000_000


def _docx_text(name: str, data: bytes) -> str:
    """Paragraphs and table cells in document order, one a line: an address block is one
    paragraph a line in Word too, and some appeals list addressees in a table."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from lxml.etree import XMLSyntaxError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise ImportError_(
                f"{name}: unpacks to {unpacked:,} bytes, far more than an appeal; save it again"
            )
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                lines.append(item.text)
            elif isinstance(item, Table):
                for row in item.rows:
                    for cell in row.cells:
                        lines += [*cell.text.splitlines(), ""]
    except (zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as exc:
        raise ImportError_(f"{name}: is not a Word .docx file that can be read") from exc
    return "\n".join(lines)


def _eml_text(name: str, data: bytes) -> tuple[str, str, list[str]]:
    """The appeal inside an e-mail: its plain text, else its HTML, else an attached PDF or
    Word file."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise ImportError_(f"{name}: is not an e-mail message (no headers)")
    notes = ["read from an e-mail"]
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            content = body.get_content()
        except LookupError as exc:
            raise ImportError_(
                f"{name}: the e-mail's text is in an unknown character set "
                f"({body.get_content_charset()}); save the appeal as a text file"
            ) from exc
        if isinstance(content, str) and content.strip():
            text = _html_text(content)[0] if body.get_content_subtype() == "html" else content
    if text and _LOOKS_LIKE_CODE.search(text):
        return text, "eml", notes
    # A short cover note ("the appeal is attached"): the appeal is the attachment.
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822":  # a forwarded appeal
            inner_message = part.get_payload(0) if part.is_multipart() else None
            if isinstance(inner_message, email.message.Message):
                notes.append("read from the forwarded message")
                return _eml_text(name, inner_message.as_bytes())[0], "eml", notes
        filename = part.get_filename() or ""
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and Path(filename).suffix.lower() in (".pdf", ".docx"):
            notes.append(f"read from its attachment {filename}")
            inner = read_source(filename, payload)
            return inner.text, "eml", notes
    if text:
        return text, "eml", notes
    raise ImportError_(f"{name}: the e-mail has no text, web page, PDF or Word attachment")
