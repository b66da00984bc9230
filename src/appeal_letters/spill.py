"""Long sequences kept on disk, so that a batch's memory does not grow with its supporters.

A batch of 50,000 supporters held its rows, its jobs and its letters' records as Python
objects: about 2 KB a supporter in the main process. A :class:`Spill` keeps each item pickled
in a temporary file of its own, already unlinked (nothing is left behind, even by a killed
process), and only where each item starts in memory: 8 bytes an item (the last items stay in
memory until they make a block, written in one system call).

Items are read back with ``os.pread``, which has no file position to share, so forked worker
processes read a spill they inherited, and a thread reads one while another appends to
another spill.
"""

from __future__ import annotations

import errno
import os
import pickle
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar, overload

from .errors import OutputError

T = TypeVar("T")

#: Bytes of items written to disk in one go, and read back in one go while iterating.
_BLOCK = 1 << 20


class Spill(Sequence[T]):
    """A list that can only grow, of items pickled to disk (in ``folder``, or the system's
    temporary folder): as long as a file of supporters, as little memory as a few numbers."""

    def __init__(self, folder: Path | None = None, items: Iterable[T] = ()) -> None:
        self._folder = folder or Path(tempfile.gettempdir())
        try:
            # Open as long as the spill lives: closed by close(), or with the process.
            self._file = tempfile.TemporaryFile(dir=folder, prefix=".spill-", suffix=".tmp")  # noqa: SIM115
        except OSError as exc:
            raise OutputError(f"{self._folder}: cannot write there: {exc.strerror}") from exc
        self._starts = array("q", [0])  # item i is bytes [starts[i], starts[i + 1])
        self._flushed = 0  # bytes written to the file; those after it are in _pending
        self._pending = bytearray()
        for item in items:
            self.append(item)

    def append(self, item: T) -> None:
        """Keep ``item``; written to disk with others once they make a block (one system call
        for many records), so the last few are in memory until then."""
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending += data
        self._starts.append(self._starts[-1] + len(data))
        if len(self._pending) >= _BLOCK:
            self._flush()

    def _flush(self) -> None:
        """The items kept in memory written to disk; if the disk is full they stay in memory,
        to be written with the next block, and the error says so."""
        data = memoryview(self._pending)
        done = 0
        try:
            while done < len(data):  # a full disk may take part of it first
                written = os.pwrite(self._file.fileno(), data[done:], self._flushed + done)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                done += written
        except OSError as exc:
            raise OutputError(
                f"{self._folder}: cannot keep a batch's records on disk: {exc.strerror}; free "
                "some space and run again (what is made so far is kept)"
            ) from exc
        finally:
            data.release()
        self._flushed += done
        self._pending = bytearray()

    def _read(self, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` of the items, from disk or from those kept in memory."""
        flushed = self._flushed
        if start >= flushed:
            return bytes(self._pending[start - flushed : end - flushed])
        head = os.pread(self._file.fileno(), min(end, flushed) - start, start)
        return head + bytes(self._pending[: max(0, end - flushed)])

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start, end = self._starts[index], self._starts[index + 1]
        # Only this process's own pickles, in a file no other can open (unlinked): trusted.
        value: T = pickle.loads(self._read(start, end))  # noqa: S301
        return value

    def __iter__(self) -> Iterator[T]:
        """The items in order, read a block at a time (the items there when it started)."""
        count, index = len(self), 0
        while index < count:
            stop = index + 1
            while stop < count and self._starts[stop + 1] - self._starts[index] <= _BLOCK:
                stop += 1
            block = memoryview(self._read(self._starts[index], self._starts[stop]))
            base = self._starts[index]
            for i in range(index, stop):
                item = block[self._starts[i] - base : self._starts[i + 1] - base]
                yield pickle.loads(item)  # noqa: S301 (as in __getitem__)
            index = stop

    def close(self) -> None:
        self._file.close()
