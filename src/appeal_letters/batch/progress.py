"""What a batch has made so far: ``progress.jsonl``, and the lock that keeps one run per folder.

Each finished letter is appended to ``progress.jsonl`` with a fingerprint of its inputs and
the sha256 of its file. A re-run trusts a line only if the fingerprint is the one the letter
would have now and the file still has that sha256, so a batch stopped half-way finishes where
it stopped and an edited row is the only one made again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..errors import OutputError
from ..files import end_last_line, make_folder
from ..spill import Spill

PROGRESS = "progress.jsonl"


@dataclass(frozen=True)
class Done:
    """One letter written, as recorded in ``progress.jsonl``."""

    supporter_key: str
    recipient_id: str
    file: str  # relative to the batch folder
    pages: int
    sha256: str
    fingerprint: str
    channel: str
    language: str


@contextlib.contextmanager
def batch_lock(folder: Path) -> Iterator[None]:
    """One batch at a time per folder: a second run stops at once instead of interleaving.

    Stale temporary files of a run that was killed while writing are removed under the lock.
    """
    try:
        make_folder(folder)
        handle = (folder / ".batch.lock").open("w")
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write there: {exc.strerror}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{folder}: another batch is writing there; wait for it") from None
        for stale in _own_temporary_files(folder):
            stale.unlink(missing_ok=True)
        yield


#: The temporary names atomic_write and write_bundle give (``.NAME.PID.THREAD.tmp``).
_TEMPORARY = re.compile(r"\..+\.\d+\.\d+\.tmp")
#: A spill's file, where the system cannot make it without a name (it is unlinked at once,
#: but a process killed in between leaves it).
_SPILL = re.compile(r"\.spill-[a-z0-9_]+\.tmp")


def _own_temporary_files(folder: Path) -> Iterator[Path]:
    """Temporary files a killed batch left, only where a batch writes: the folder itself,
    ``bundles/`` and each supporter's folder in ``supporters/`` (never anything else that
    happens to be below ``--out``)."""
    places = [folder, folder / "bundles"]
    supporters = folder / "supporters"
    if supporters.is_dir():
        places += [p for p in supporters.iterdir() if p.is_dir() and not p.is_symlink()]
    for place in places:
        if place.is_dir():
            yield from (p for p in place.glob(".*.tmp") if _TEMPORARY.fullmatch(p.name))
    if folder.is_dir():
        yield from (p for p in folder.glob(".spill-*.tmp") if _SPILL.fullmatch(p.name))


def read_progress(folder: Path) -> dict[tuple[str, str], Done]:
    """The letters recorded so far, by (supporter key, recipient id)."""
    return {(done.supporter_key, done.recipient_id): done for done in _recorded(folder)}


def _recorded(folder: Path) -> Iterator[Done]:
    """Each readable line of ``progress.jsonl``, read a line at a time."""
    path = folder / PROGRESS
    if not path.is_file():
        return
    # A damaged byte makes that line unreadable, not the batch: its letter is made again.
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                yield Done(**json.loads(line))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash


#: How Recorded finds a letter (a name of its own, so that a test can make every key collide).
_hash = hash


class _Numbers:
    """A table from 64-bit hashes to record numbers in two arrays (open addressing, at most
    half full): about 32 bytes a record, where a dict of them takes about 130."""

    def __init__(self) -> None:
        self._hashes = array("q", [0]) * 1024
        self._numbers = array("q", [-1]) * 1024
        self._used = 0

    def _slot(self, key: int) -> int:
        mask = len(self._hashes) - 1
        slot = key & mask
        while self._numbers[slot] >= 0 and self._hashes[slot] != key:
            slot = (slot + 1) & mask
        return slot

    def get(self, key: int) -> int | None:
        number = self._numbers[self._slot(key)]
        return None if number < 0 else number

    def put(self, key: int, number: int) -> None:
        slot = self._slot(key)
        if self._numbers[slot] < 0:
            self._used += 1
        self._hashes[slot], self._numbers[slot] = key, number
        if 2 * self._used > len(self._hashes):
            hashes, numbers = self._hashes, self._numbers
            self._hashes = array("q", [0]) * (2 * len(hashes))
            self._numbers = array("q", [-1]) * (2 * len(numbers))
            for old, number in zip(hashes, numbers, strict=True):
                if number >= 0:
                    slot = self._slot(old)
                    self._hashes[slot], self._numbers[slot] = old, number


class Recorded:
    """The letters ``progress.jsonl`` records, kept on disk (:class:`..spill.Spill`): in memory
    only a number for each, found by the hash of its supporter and recipient (the record read
    back is compared, so two keys of one hash are told apart)."""

    def __init__(self, folder: Path) -> None:
        self._records: Spill[Done] = Spill(folder)
        self._at = _Numbers()
        self._others: dict[tuple[str, str], int] = {}  # keys whose hash another key has
        for done in _recorded(folder):
            self._add(done)

    def _add(self, done: Done) -> None:
        key = (done.supporter_key, done.recipient_id)
        index = len(self._records)
        self._records.append(done)
        first = self._at.get(_hash(key))
        if key in self._others:
            self._others[key] = index  # a later line for the same letter wins
        elif first is None or self._key(first) == key:
            self._at.put(_hash(key), index)
        else:
            self._others[key] = index

    def _key(self, index: int) -> tuple[str, str]:
        done = self._records[index]
        return done.supporter_key, done.recipient_id

    def get(self, supporter_key: str, recipient_id: str) -> Done | None:
        key = (supporter_key, recipient_id)
        index = self._others[key] if key in self._others else self._at.get(_hash(key))
        if index is None:
            return None
        done = self._records[index]
        return done if (done.supporter_key, done.recipient_id) == key else None

    def close(self) -> None:
        self._records.close()


def still_good(folder: Path, done: Done | None, fingerprint: str) -> bool:
    """Whether a recorded letter is the one these inputs would make, and its file intact."""
    if done is None or done.fingerprint != fingerprint:
        return False
    try:
        data = (folder / done.file).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == done.sha256


class ProgressLog:
    """Appends each letter as it is written; the file is synced to disk when closed."""

    def __init__(self, handle: TextIO, path: Path) -> None:
        self.handle = handle
        self.path = path

    def record(self, done: Done) -> None:
        try:
            self.handle.write(json.dumps(done.__dict__) + "\n")
            self.handle.flush()
        except OSError as exc:
            raise _unrecorded(self.path, exc) from exc


def _unrecorded(path: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"{path}: cannot record the letters made: {exc.strerror}; free some space and run "
        "again (the letters already made are checked and kept)"
    )


@contextlib.contextmanager
def progress_log(folder: Path) -> Iterator[ProgressLog]:
    path = folder / PROGRESS
    end_last_line(path)
    try:
        handle = path.open("a", encoding="utf-8")
    except OSError as exc:
        raise _unrecorded(path, exc) from exc
    try:
        yield ProgressLog(handle, path)
        try:
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as exc:
            raise _unrecorded(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):  # what could not be written was said above
            handle.close()


def is_batch_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a batch's letters (many supporters'), not one supporter's."""
    return (folder / PROGRESS).is_file()
