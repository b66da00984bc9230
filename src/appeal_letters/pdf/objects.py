"""Just enough of a PDF writer for letters assembled from parts and for bundles.

pikepdf (qpdf) reads and checks PDFs; writing thousands of small ones with it costs more than
everything else a batch does, so letters and bundles are written here: objects numbered in
order, pikepdf objects copied once by number, dictionaries packed in object streams and a
cross-reference stream at the end. What is written is plain PDF 1.7.
"""

from __future__ import annotations

import decimal
import hashlib
import struct
import zlib
from collections.abc import Mapping
from typing import IO, Any

import pikepdf
from pikepdf import Name

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class CannotAssemble(Exception):
    """This body or supporter's part uses something the byte writer does not handle."""


def _number(value: Any) -> bytes:
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, decimal.Decimal):
        return format(value, "f").encode("ascii")
    if isinstance(value, float):
        return repr(value).encode("ascii")
    if value is None:
        return b"null"
    raise CannotAssemble(f"unexpected PDF value {value!r}")


class Objects:
    """PDF objects being written: numbers handed out in order, pikepdf objects copied once."""

    def __init__(self, first: int = 1, overrides: Mapping[tuple[int, int], int] | None = None):
        self.next = first
        self.bodies: dict[int, bytes] = {}
        self.streams: set[int] = set()
        self.memo: dict[tuple[int, int], int] = dict(overrides or {})

    def reserve(self) -> int:
        self.next += 1
        return self.next - 1

    def put(self, number: int, body: bytes, *, stream: bool = False) -> int:
        self.bodies[number] = body
        if stream:
            self.streams.add(number)
        return number

    def add(self, body: bytes, *, stream: bool = False) -> int:
        return self.put(self.reserve(), body, stream=stream)

    def dump(self, value: Any) -> bytes:
        """``value`` as PDF syntax; indirect objects are copied (once) and referred to."""
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            key = value.objgen
            if key not in self.memo:
                self.memo[key] = number = self.reserve()
                is_stream = isinstance(value, pikepdf.Stream)
                self.put(number, self.dump_direct(value), stream=is_stream)
            return b"%d 0 R" % self.memo[key]
        return self.dump_direct(value)

    def dump_direct(self, value: Any) -> bytes:
        if isinstance(value, pikepdf.Stream):
            data = value.read_raw_bytes()
            entries = {k: v for k, v in value.stream_dict.items() if k != "/Length"}
            return stream_object(self.dump_dict(entries), data)
        if isinstance(value, pikepdf.Dictionary):
            return self.dump_dict(dict(value.items()))
        if isinstance(value, pikepdf.Array):
            return b"[" + b" ".join(self.dump(item) for item in value) + b"]"
        if isinstance(value, pikepdf.Object):
            return bytes(value.unparse())
        return _number(value)

    def dump_dict(self, entries: Mapping[str, Any], extra: bytes = b"") -> bytes:
        inner = b"".join(
            bytes(Name(key).unparse()) + b" " + self.dump(item) + b"\n"
            for key, item in entries.items()
        )
        return b"<<\n" + inner + extra + b">>"


def stream_object(dictionary: bytes, data: bytes) -> bytes:
    """A stream's body; ``dictionary`` ends with ``>>`` and gets /Length added."""
    return dictionary[:-2] + b"/Length %d\n>>\nstream\n" % len(data) + data + b"\nendstream"


def write_shared(objects: Objects) -> tuple[bytes, dict[int, tuple[int, int, int]]]:
    """Header, the shared streams, and one compressed object stream with everything else."""
    out = bytearray(HEADER)
    entries: dict[int, tuple[int, int, int]] = {}
    write_objects(objects, out, entries, level=9)
    return bytes(out), entries


def write_objects(
    objects: Objects, out: bytearray, entries: dict[int, tuple[int, int, int]], level: int = 6
) -> None:
    """Append the streams as they are and the other objects packed in one object stream."""
    plain = []
    for number in sorted(objects.bodies):
        if number in objects.streams:
            entries[number] = (1, len(out), 0)
            out += b"%d 0 obj\n" % number + objects.bodies[number] + b"\nendobj\n"
        else:
            plain.append(number)
    if not plain:
        return
    holder = objects.reserve()
    offsets, data = [], bytearray()
    for index, number in enumerate(plain):
        offsets.append(b"%d %d" % (number, len(data)))
        data += objects.bodies[number] + b"\n"
        entries[number] = (2, holder, index)
    head = b" ".join(offsets) + b"\n"
    entries[holder] = (1, len(out), 0)
    out += (
        b"%d 0 obj\n" % holder
        + stream_object(
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode >>" % (len(plain), len(head)),
            zlib.compress(head + bytes(data), level),
        )
        + b"\nendobj\n"
    )


def xref_rows(entries: Mapping[int, tuple[int, int, int]], size: int) -> bytes:
    """Cross-reference rows for objects 0 to ``size - 1``; numbers not listed are free."""
    return b"".join(
        struct.pack(">BIH", *entries.get(n, (0, 0, 65535 if n == 0 else 0))) for n in range(size)
    )


def xref_stream(
    number: int,
    entries: Mapping[int, tuple[int, int, int]],
    trailer: bytes,
    identifier: bytes,
    base: bytes = b"",
) -> bytes:
    """The cross-reference stream (object ``number``, at the end of the file) and the file end.

    ``entries``: (1, offset, 0) for an object on its own, (2, object stream, index) for one
    packed in an object stream; numbers not listed are free, or as in ``base`` (rows made by
    :func:`xref_rows` for what many files share). ``trailer``: /Root and /Info.
    """
    size = number + 1
    rows = bytearray(base)
    if len(rows) < 7 * size:  # the objects past the base's are free unless listed: zeros
        rows += xref_rows({}, size)[len(rows) :] if not rows else bytes(7 * size - len(rows))
    for n, entry in entries.items():
        rows[7 * n : 7 * n + 7] = struct.pack(">BIH", *entry)
    return (
        b"%d 0 obj\n" % number
        + stream_object(
            b"<< /Type /XRef /Size %d /W [1 4 2] %s /ID [<%s> <%s>] /Filter /FlateDecode >>"
            % (size, trailer, identifier, identifier),
            zlib.compress(bytes(rows[: 7 * size])),
        )
        + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % entries[number][1]
    )


class StreamWriter(Objects):
    """Objects written to a file as soon as they are complete; offsets kept for the xref."""

    def __init__(self, handle: IO[bytes]) -> None:
        super().__init__()
        self.handle = handle
        self.offsets: dict[int, int] = {}
        self.position = 0
        self.digest = hashlib.md5(usedforsecurity=False)
        self._write(HEADER)

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.position += len(data)

    def put(self, number: int, body: bytes, *, stream: bool = False) -> int:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        return number

    def finish(self, root: int) -> None:
        number = self.reserve()
        self.offsets[number] = self.position
        entries = {n: (1, offset, 0) for n, offset in self.offsets.items()}
        identifier = self.digest.hexdigest().encode()
        self._write(xref_stream(number, entries, b"/Root %d 0 R" % root, identifier))
