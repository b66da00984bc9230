"""Write files safely: sanitised names and atomic writes.

A file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written PDF or manifest behind.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from .errors import OutputError


def slugify(text: str, max_length: int = 60) -> str:
    """An ASCII file-name part: ``RUS 004 / 1214 / OBS 093.1`` -> ``rus-004-1214-obs-093-1``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "letter"


def make_folder(folder: Path) -> None:
    """``folder`` and its parents, or an OutputError that says why not (a link to nowhere, a
    file in the way, no permission)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        for part in (folder, *folder.parents):
            if part.is_symlink() and not part.exists():
                raise OutputError(
                    f"{part}: a link to {part.readlink()}, which does not exist; remove the "
                    "link or create its target"
                ) from exc
            if part.exists() and not part.is_dir():
                raise OutputError(f"{part}: a file is in the way of the folder") from exc
        raise OutputError(f"{folder}: cannot write there: {exc.strerror}") from exc


@contextlib.contextmanager
def atomic_file(path: Path, *, durable: bool = True) -> Iterator[BinaryIO]:
    """A file to write ``path`` through, so that readers see the old file or the new one, never
    half: written under a temporary name of our own and renamed into place when the block ends;
    removed if the block fails in any way (a damaged input, Ctrl-C, a full disk).

    ``durable=False`` skips waiting for the disk (fsync): for files whose checksum is recorded
    and checked before they are trusted again, as batch production does with its letters.
    """
    make_folder(path.parent)
    # A name of our own (process and thread), created exclusively: no one else writes to it.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL
    try:
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            tmp.unlink(missing_ok=True)  # left by a killed process that had this pid
            fd = os.open(tmp, flags, 0o666)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write there: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write the file: {exc.strerror}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all (see atomic_file)."""
    with atomic_file(path, durable=durable) as handle:
        handle.write(data)


def safe_child(folder: Path, name: str) -> Path:
    """``folder/name`` after checking that ``name`` cannot step out of ``folder``."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}", name) or ".." in name:
        raise OutputError(f"{folder}: refusing the unsafe file name {name!r}")
    return folder / name


#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet will show as text: a leading ``'`` before ``=``,
    ``+``, ``-``, ``@``, tab or carriage return (a supporter named ``=HYPERLINK(...)`` stays
    a name). Numbers are written as they are."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text for people to open in a spreadsheet, every cell through spreadsheet_cell."""
    buffer = io.StringIO()
    _spreadsheet_rows(buffer, header, rows)
    return buffer.getvalue()


def write_spreadsheet_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """``spreadsheet_csv`` written to ``path`` as the rows come (a batch's manifest has a row
    for each of tens of thousands of letters), whole or not at all."""
    with atomic_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        _spreadsheet_rows(text, header, rows)
        text.flush()
        text.detach()


def _spreadsheet_rows(
    out: io.TextIOBase, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_cell(h) for h in header])
    writer.writerows([spreadsheet_cell(v) for v in row] for row in rows)


def end_last_line(path: Path) -> None:
    """Give an append-only log's last line its newline if a killed run or a full disk left it
    without: the next record would otherwise be glued to it and both lost."""
    try:
        with path.open("r+b") as raw:
            if raw.seek(0, os.SEEK_END):
                raw.seek(-1, os.SEEK_END)
                if raw.read(1) != b"\n":
                    raw.write(b"\n")
    except FileNotFoundError:
        return
