"""Which of the template's wordings a supporter's letters use, and how alike letters are.

Officials' staff discount identical campaign letters. The template holds three wordings of the
opening, the transition to the requests and the thanks; each supporter gets one, chosen from
who they are (the same supporter always gets the same letters, so a resumed batch and the
page agree), and a batch then has three bodies per authority instead of one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from itertools import combinations

from ..model import Sender

#: Wordings the template has (``wording`` 0, 1 and 2).
WORDINGS = 3

_TAGS = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")


def wording_of(sender: Sender) -> int:
    """The wording of this supporter's letters: stable, and spread evenly over supporters."""
    return int(sender.identity(), 16) % WORDINGS


def sentences(letter_html: str) -> set[str]:
    """The sentences of a letter's body (its ``<main>``), spaces made plain."""
    main = letter_html.split("<main", 1)[-1].split("</main>", 1)[0]
    text = " ".join(html.unescape(_TAGS.sub(" ", main.split(">", 1)[-1])).split())
    return {part for part in _SENTENCE_END.split(text) if part}


def largest_shared_share(bodies: Iterable[set[str]]) -> float:
    """The largest share of sentences two of ``bodies`` have in common (0 to 1)."""
    best = 0.0
    for one, other in combinations(list(bodies), 2):
        if one or other:
            best = max(best, len(one & other) / max(len(one), len(other)))
    return best
