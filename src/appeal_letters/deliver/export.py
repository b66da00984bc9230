"""For supporters without an SMTP account: ``.eml`` files and a page of ``mailto:`` links.

Each ``.eml`` opens in any mail client with the letter attached, ready to send from the
supporter's own address; the HTML page lists every letter with its fax number, web form or
postal address, so nothing is left out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.policy import SMTP
from pathlib import Path

from ..files import atomic_write, safe_child
from .mail import ByHand, Outgoing, mailto_link


@dataclass(frozen=True)
class ExportResult:
    eml_files: list[Path]
    page: Path


def export(
    outgoing: list[Outgoing], by_hand: list[ByHand], letters: Path, out: Path, appeal_code: str
) -> ExportResult:
    """Write one ``.eml`` per letter that can go by e-mail, and ``send-yourself.html``."""
    files = []
    for item in outgoing:
        stem = Path(item.entry.file).stem
        path = safe_child(out, f"{stem}.eml")
        atomic_write(path, item.message.as_bytes(policy=SMTP))
        files.append(path)
    page = safe_child(out, "send-yourself.html")
    atomic_write(page, _page(outgoing, by_hand, letters, out, appeal_code).encode("utf-8"))
    return ExportResult(files, page)


def _page(
    outgoing: list[Outgoing], by_hand: list[ByHand], letters: Path, out: Path, appeal_code: str
) -> str:
    esc = html.escape
    rows = []
    for item in outgoing:
        body = item.message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        link = mailto_link(item.to, item.cc, str(item.message["Subject"]), text)
        how = "fax gateway" if item.route == "fax" else "e-mail"
        rows.append(
            f"<li><strong>{esc(item.recipient.full_name)}</strong>, "
            f'{esc(item.recipient.title)}: <a href="{esc(link)}">write the {how} message</a> '
            f'and attach <a href="{esc(_relative(letters / item.entry.file, out))}">'
            f"{esc(item.entry.file)}</a> (or open <code>{esc(Path(item.entry.file).stem)}.eml"
            "</code>, which has it attached).</li>"
        )
    for hand in by_hand:
        rows.append(
            f"<li><strong>{esc(hand.recipient.full_name)}</strong>, "
            f"{esc(hand.recipient.title)}: {esc(hand.instructions)}; the letter is "
            f'<a href="{esc(_relative(letters / hand.entry.file, out))}">'
            f"{esc(hand.entry.file)}</a>.</li>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Send your letters: {esc(appeal_code)}</title></head><body>\n"
        f"<h1>Send your letters ({esc(appeal_code)})</h1>\n"
        "<p>Each link opens your own mail program with the message written; attach the PDF "
        "named beside it before you send.</p>\n<ol>\n" + "\n".join(rows) + "\n</ol>\n"
        "</body></html>\n"
    )


def _relative(target: Path, start: Path) -> str:
    try:
        return target.resolve().relative_to(start.resolve()).as_posix()
    except ValueError:
        return target.resolve().as_uri()
