"""Write letters safely: sanitised names, atomic files, and a manifest of what was written.

A file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written PDF or manifest behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import OutputError


def slugify(text: str, max_length: int = 60) -> str:
    """An ASCII file-name part: ``RUS 004 / 1214 / OBS 093.1`` -> ``rus-004-1214-obs-093-1``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "letter"


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    ``durable=False`` skips waiting for the disk (fsync): for files whose checksum is recorded
    and checked before they are trusted again, as batch production does with its letters.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write there: {exc.strerror}") from exc
    # A name of our own (process and thread), created exclusively: no one else writes to it.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL, 0o666)
    except FileExistsError:
        tmp.unlink(missing_ok=True)  # left by a killed process that had this pid
        return atomic_write(path, data, durable=durable)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write there: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(f"{path}: cannot write the file: {exc.strerror}") from exc


def safe_child(folder: Path, name: str) -> Path:
    """``folder/name`` after checking that ``name`` cannot step out of ``folder``."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}", name) or ".." in name:
        raise OutputError(f"{folder}: refusing the unsafe file name {name!r}")
    return folder / name


@dataclass(frozen=True)
class ManifestEntry:
    """One written letter, as listed in ``manifest.json``."""

    recipient_id: str
    recipient: str
    channel: str | None
    channel_address: str | None
    language: str
    file: str
    pages: int
    sha256: str

    @staticmethod
    def for_file(
        path: Path,
        data: bytes,
        *,
        recipient_id: str,
        recipient: str,
        channel: tuple[str, str] | None,
        pages: int,
        language: str,
    ) -> ManifestEntry:
        return ManifestEntry(
            recipient_id=recipient_id,
            recipient=recipient,
            channel=channel[0] if channel else None,
            channel_address=channel[1] if channel else None,
            language=language,
            file=path.name,
            pages=pages,
            sha256=hashlib.sha256(data).hexdigest(),
        )


def write_manifest(folder: Path, appeal_code: str, entries: Sequence[ManifestEntry]) -> Path:
    """Write ``manifest.json``: what a later step (sending, checking) needs to trust the files."""
    document: dict[str, Any] = {
        "appeal_code": appeal_code,
        "letters": [entry.__dict__ for entry in entries],
    }
    path = folder / "manifest.json"
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, text.encode("utf-8"))
    return path


def read_manifest(folder: Path) -> tuple[str, list[ManifestEntry]]:
    """The letters a render wrote, each checked against its sha256 before it is sent anywhere."""
    path = folder / "manifest.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        code = str(document["appeal_code"])
        entries = [ManifestEntry(**item) for item in document["letters"]]
    except FileNotFoundError as exc:
        raise OutputError(f"{path}: no manifest; run `appeal-letters render` first") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(f"{path}: not a manifest written by appeal-letters ({exc})") from exc
    for entry in entries:
        letter = safe_child(folder, entry.file)
        try:
            digest = hashlib.sha256(letter.read_bytes()).hexdigest()
        except OSError as exc:
            raise OutputError(f"{letter}: listed in the manifest but unreadable") from exc
        if digest != entry.sha256:
            raise OutputError(
                f"{letter}: changed since it was rendered (sha256 differs from manifest.json); "
                "render again"
            )
    return code, entries
