"""Long sequences kept on disk, so that a batch's memory does not grow with its supporters.

A batch of 50,000 supporters held its rows, its jobs and its letters' records as Python
objects: about 2 KB a supporter in the main process. A :class:`Spill` keeps each item pickled
in a temporary file of its own, already unlinked (nothing is left behind, even by a killed
process), and only where each item starts in memory: 8 bytes an item.

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

#: Items read back from disk in one go while iterating.
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
        for item in items:
            self.append(item)

    def append(self, item: T) -> None:
        data = memoryview(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
        start = end = self._starts[-1]
        try:
            while data[end - start :]:  # a full disk may take part of it first
                written = os.pwrite(self._file.fileno(), data[end - start :], end)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                end += written
        except OSError as exc:
            raise OutputError(
                f"{self._folder}: cannot keep a batch's records on disk: {exc.strerror}; free "
                "some space and run again (what is made so far is kept)"
            ) from exc
        self._starts.append(end)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __bool__(self) -> bool:
        return len(self) > 0

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
        value: T = pickle.loads(os.pread(self._file.fileno(), end - start, start))  # noqa: S301
        return value

    def __iter__(self) -> Iterator[T]:
        """The items in order, read a block at a time (the items there when it started)."""
        count, index = len(self), 0
        while index < count:
            stop = index + 1
            while stop < count and self._starts[stop + 1] - self._starts[index] <= _BLOCK:
                stop += 1
            block = memoryview(
                os.pread(
                    self._file.fileno(),
                    self._starts[stop] - self._starts[index],
                    self._starts[index],
                )
            )
            base = self._starts[index]
            for i in range(index, stop):
                item = block[self._starts[i] - base : self._starts[i + 1] - base]
                yield pickle.loads(item)  # noqa: S301 (as in __getitem__)
            index = stop

    def close(self) -> None:
        self._file.close()
