"""Letters that go by post: one print pack and a list with the postage to use.

``send`` cannot post a letter, but it can make posting easy and keep count: the letters whose
channel is the post go into ``post/print-pack.pdf`` (each letter followed by a blank page, so
that a duplex printer starts every letter on a fresh sheet), ``post/post-list.txt`` says for
each which envelope address and which postage (domestic when the supporter posts it in the
authority's own country, else international), and the journal records them as to post until
``mark posted`` says they went.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from ..files import atomic_write, safe_child
from ..model import Campaign, Sender
from .mail import ByHand

PACK = "print-pack.pdf"
LIST = "post-list.txt"


@dataclass(frozen=True)
class PrintPack:
    folder: Path
    letters: tuple[ByHand, ...]


def postage(sender: Sender, country: str) -> str:
    """Domestic or international, from where the supporter posts it."""
    if sender.country is None:
        return f"international, unless you post it in {country}"
    return "domestic" if sender.country == country else "international"


def write_print_pack(
    folder: Path, campaign: Campaign, sender: Sender, letters: list[ByHand]
) -> PrintPack | None:
    """The print pack and list for ``letters`` (those whose channel is the post), or None."""
    posted = [hand for hand in letters if hand.entry.channel == "post"]
    if not posted:
        return None
    target = folder / "post"
    pack = pikepdf.Pdf.new()
    for hand in posted:
        with pikepdf.open(safe_child(folder, hand.entry.file)) as letter:
            pages = len(letter.pages)
            pack.pages.extend(letter.pages)
            if pages % 2:  # duplex-safe: the next letter starts on a sheet of its own
                box = letter.pages[-1].mediabox
                pack.add_blank_page(page_size=(float(box[2]), float(box[3])))
    data = io.BytesIO()
    pack.save(data, deterministic_id=True)
    atomic_write(target / PACK, data.getvalue())
    lines = [
        f"Urgent appeal {campaign.appeal.code}: letters to post ({len(posted)}), in the order "
        f"of {PACK}",
        "Print both sides (duplex); fold each letter in three for a window envelope.",
        "",
    ]
    for number, hand in enumerate(posted, start=1):
        recipient = hand.recipient
        lines += [
            f"{number}. {hand.entry.file}: {recipient.full_name}, {recipient.title}",
            f"   address: {hand.entry.channel_address}",
            f"   postage: {postage(sender, recipient.country)}",
        ]
    lines += ["", "Once posted: appeal-letters mark posted --recipient ID [--date YYYY-MM-DD]"]
    atomic_write(target / LIST, ("\n".join(lines) + "\n").encode("utf-8"))
    return PrintPack(target, tuple(posted))
