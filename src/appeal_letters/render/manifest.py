"""The manifest of a folder of letters: what a later step (sending, checking) needs to trust them.

Each letter is listed with its recipient, channel and sha256; reading the manifest back checks
every file against its digest, so a letter changed after rendering is never sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..files import atomic_write, safe_child


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


def write_manifest(
    folder: Path, appeal_code: str, entries: Sequence[ManifestEntry], *, signer: str
) -> Path:
    """Write ``manifest.json``: what a later step (sending, checking) needs to trust the files.

    ``signer`` is the sender's identity digest (Sender.identity): letters go out only in the
    name of the one who signed them."""
    document: dict[str, Any] = {
        "appeal_code": appeal_code,
        "signer": signer,
        "letters": [entry.__dict__ for entry in entries],
    }
    path = folder / "manifest.json"
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, text.encode("utf-8"))
    return path


def read_manifest(folder: Path) -> tuple[str, str | None, list[ManifestEntry]]:
    """The appeal code, the signer's identity (None in a manifest written before it was kept)
    and the letters a render wrote, each checked against its sha256 before it is sent."""
    path = folder / "manifest.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        code = str(document["appeal_code"])
        signer = document.get("signer")
        entries = [ManifestEntry(**item) for item in document["letters"]]
        for entry in entries:
            texts = (entry.recipient_id, entry.language, entry.file, entry.sha256)
            optional = (entry.channel, entry.channel_address)
            if not all(isinstance(v, str) for v in texts) or not all(
                v is None or isinstance(v, str) for v in optional
            ):
                raise TypeError(f"the entry for {entry.file!r} has a value of the wrong kind")
    except FileNotFoundError as exc:
        raise OutputError(f"{path}: no manifest; run `appeal-letters render` first") from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
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
    return code, str(signer) if signer is not None else None, entries
