"""Letters that go by post: one print pack and a list with the postage to use.

``send`` cannot post a letter, but it can make posting easy and keep count: the letters whose
channel is the post go into ``post/print-pack.pdf`` (each letter followed by a blank page, so
that a duplex printer starts every letter on a fresh sheet), ``post/post-list.txt`` says for
each which envelope address and which postage (domestic when the supporter posts it in the
authority's own country, else international), and the journal records them as to post until
``mark posted`` says they went.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_write, safe_child
from ..model import Campaign, Sender, postage
from ..pdf import write_bundle
from .mail import ByHand

PACK = "print-pack.pdf"
LIST = "post-list.txt"


@dataclass(frozen=True)
class PrintPack:
    folder: Path
    letters: tuple[ByHand, ...]


def write_print_pack(
    folder: Path, campaign: Campaign, sender: Sender, letters: list[ByHand]
) -> PrintPack | None:
    """The print pack and list for ``letters`` (those whose channel is the post), or None."""
    posted = [hand for hand in letters if hand.entry.channel == "post"]
    if not posted:
        return None
    target = folder / "post"
    # duplex-safe: each letter starts on a sheet of its own
    write_bundle(target / PACK, [safe_child(folder, h.entry.file) for h in posted], duplex=True)
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
            f"   postage: {postage(sender.country, recipient.country)}",
        ]
    lines += ["", "Once posted: appeal-letters mark posted --recipient ID [--date YYYY-MM-DD]"]
    atomic_write(target / LIST, ("\n".join(lines) + "\n").encode("utf-8"))
    return PrintPack(target, tuple(posted))
