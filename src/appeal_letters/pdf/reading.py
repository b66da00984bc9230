"""Read the objects of a letter this package wrote, straight from its bytes.

A bundle reads thousands of letters; a general PDF parser would cost more than the rest of the
bundle. These functions know the exact form ``assemble`` writes (one cross-reference stream,
objects in order, the letter's dictionaries in one object stream) and raise CannotAssemble at
anything else, so the caller can copy that letter as any PDF instead.
"""

from __future__ import annotations

import re
import struct
import zlib

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


def dictionary_end(data: bytes, start: int) -> int:
    """Where the dictionary opening at ``start`` closes (names and numbers only inside)."""
    depth = 0
    index = start
    while index < len(data):
        if data.startswith(b"<<", index):
            depth += 1
            index += 2
        elif data.startswith(b">>", index):
            depth -= 1
            index += 2
            if depth == 0:
                return index
        elif data[index : index + 1] in (b"(", b"<"):
            raise CannotAssemble("a string inside a form's resources")
        else:
            index += 1
    raise CannotAssemble("an unterminated dictionary")
