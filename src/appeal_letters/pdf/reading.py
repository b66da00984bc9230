"""Read the objects of a letter this package wrote, straight from its bytes.

A bundle reads thousands of letters; a general PDF parser would cost more than the rest of the
bundle. These functions know the exact form ``assemble`` writes (one cross-reference stream,
objects in order, the letter's dictionaries in one object stream) and raise CannotAssemble at
anything else, so the caller can copy that letter as any PDF instead.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib

import pikepdf

from .objects import CannotAssemble


def own_objects(data: bytes, start: int) -> dict[int, bytes]:
    """The objects a letter adds after its shared part, by number, from its xref stream.

    Streams stand on their own; the letter's dictionaries sit in one object stream of its own.
    """
    tail = data.rindex(b"startxref")
    xref_at = int(data[tail + len(b"startxref") : data.index(b"%%EOF", tail)])
    dictionary, table = split_stream(data[data.index(b" obj\n", xref_at) + 5 :])
    if b"/W [1 4 2]" not in dictionary:
        raise CannotAssemble("an unexpected cross-reference stream")
    rows = list(struct.iter_unpack(">BIH", zlib.decompress(table)))
    positions = sorted(
        (offset, number)
        for number, (kind, offset, _) in enumerate(rows)
        if kind == 1 and start <= offset < xref_at
    )
    found = {}
    for (offset, number), (following, _) in zip(
        positions, [*positions[1:], (xref_at, 0)], strict=True
    ):
        header = b"%d 0 obj\n" % number
        if not data.startswith(header, offset) or not data.startswith(b"\nendobj\n", following - 8):
            raise CannotAssemble("an object where the cross-reference does not expect it")
        found[number] = data[offset + len(header) : following - 8]
    holders = {container for kind, container, _ in rows if kind == 2 and container in found}
    for holder in holders:
        dictionary, packed = split_stream(found.pop(holder))
        first = re.search(rb"/First (\d+)", dictionary)
        if b"/Type /ObjStm" not in dictionary or first is None:
            raise CannotAssemble("an unexpected object stream")
        content = zlib.decompress(packed)
        pairs = [int(n) for n in content[: int(first.group(1))].split()]
        starts = [int(first.group(1)) + o for o in pairs[1::2]]
        for number, begin, end in zip(
            pairs[0::2], starts, [*starts[1:], len(content)], strict=True
        ):
            found[number] = content[begin:end].rstrip(b"\n")
    return found


def split_stream(body: bytes) -> tuple[bytes, bytes]:
    """A stream object's dictionary and data (the data by its /Length)."""
    end = body.index(b">>\nstream\n") + 2
    dictionary = body[:end]
    lengths = re.findall(rb"/Length (\d+)", dictionary)
    if len(lengths) != 1:
        raise CannotAssemble("a stream without a plain /Length")
    start = end + len(b"\nstream\n")
    return dictionary, body[start : start + int(lengths[0])]


#: What dictionary_end looks for: a dictionary opening or closing, or a string (refused).
_DICTIONARY_TOKEN = re.compile(rb"<<|>>|[(<]")


def dictionary_end(data: bytes, start: int) -> int:
    """Where the dictionary opening at ``start`` closes (names and numbers only inside)."""
    depth = 0
    for token in _DICTIONARY_TOKEN.finditer(data, start):
        if token.group() == b"<<":
            depth += 1
        elif token.group() == b">>":
            depth -= 1
            if depth == 0:
                return token.end()
        else:
            raise CannotAssemble("a string inside a form's resources")
    raise CannotAssemble("an unterminated dictionary")


class DamagedDocument(Exception):
    """A document that is not a sound PDF, and why."""


_ID = re.compile(rb"/ID \[<([0-9a-f]{32})>")


def check_identifier(data: bytes) -> None:
    """A letter written by ``assemble`` has, as its file identifier, the MD5 of everything
    before its cross-reference stream: any byte changed since is found here, before anything
    of the letter is copied or its glyphs join the bundle's fonts."""
    tail = data.rfind(b"startxref")
    try:
        xref_at = int(data[tail + len(b"startxref") : data.index(b"%%EOF", tail)])
    except ValueError:
        raise CannotAssemble("no cross-reference offset") from None
    found = _ID.search(data, xref_at)
    digest = hashlib.md5(data[:xref_at], usedforsecurity=False).hexdigest().encode()
    if found is None or found.group(1) != digest:
        raise CannotAssemble("the letter's bytes do not match its identifier")


def check_sound(data: bytes) -> None:
    """Raise DamagedDocument unless qpdf reads ``data`` without a single complaint."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            problems = pdf.check_pdf_syntax()
    except pikepdf.PdfError as exc:
        raise DamagedDocument(f"not a readable PDF ({qpdf_says(str(exc))})") from None
    if problems:
        raise DamagedDocument(f"a damaged PDF ({qpdf_says(problems[0])})")


def qpdf_says(message: str) -> str:
    """qpdf's first complaint without the in-memory file's name."""
    first = message.splitlines()[0] if message else ""
    return _SOURCE.sub("", first)[:120]


_SOURCE = re.compile(r"(WARNING: )?(stream )?<_io\.BytesIO object at 0x[0-9a-f]+>:? ?")
