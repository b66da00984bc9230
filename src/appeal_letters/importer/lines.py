"""Reading numbered lines as an appeal is laid out: paragraphs, list items, headings,
sentences, dates. Shared by the parts that read the header, the requests and the addresses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from .words import HEADINGS

#: A list item's marker: i. / 1. / a) / (ii) or a bullet.
MARKER = re.compile(
    r"^(?:(?P<roman>[ivxlc]{1,6})[.)]|(?P<number>\d{1,2})[.)]|(?P<letter>[a-h])\)|"
    r"\((?P<paren>[ivx]{1,5}|\d{1,2}|[a-h])\)|(?P<bullet>[-•·*–—▪●○◦]))\s+"
)


@dataclass(frozen=True)
class Block:
    """Consecutive lines read as one: a paragraph or one list item (wrapped lines joined)."""

    line: int  # 1-based, the block's first line
    end: int  # 1-based, its last line
    text: str
    marker: str | None = None  # kind of list marker: roman, number, letter, paren, bullet


def marker_of(text: str) -> tuple[str | None, str]:
    """(kind of list marker, the text after it) for one line."""
    match = MARKER.match(text)
    if not match:
        return None, text
    kind = next(k for k, v in match.groupdict().items() if v is not None)
    rest = text[match.end() :]
    if kind == "bullet":
        # A web page's list marker before the appeal's own bullet ("* · Mr ...").
        again = MARKER.match(rest)
        if again and again.group("bullet"):
            rest = rest[again.end() :]
    return kind, rest


def blocks(lines: list[str], start: int = 0, end: int | None = None) -> list[Block]:
    """Paragraphs and list items of ``lines[start:end]``; a line with a list marker, a heading
    or a contact label starts a new block even without a blank line before it."""
    found: list[Block] = []
    current: list[str] = []
    first = 0
    kind: str | None = None

    def close(last: int) -> None:
        if current:
            found.append(Block(first + 1, last, " ".join(current), kind))
            current.clear()

    stop = len(lines) if end is None else end
    for index in range(start, stop):
        text = lines[index]
        if not text:
            close(index)
            continue
        marker, rest = marker_of(text)
        if marker or heading_of(text) or (current and current[-1].endswith(":")):
            close(index)
        if not current:
            first, kind = index, marker
            text = rest if marker else text
        current.append(text)
    close(stop)
    return found


def heading_of(text: str) -> str | None:
    """The kind of section a heading line opens ("actions", "addresses"...), else None."""
    lowered = text.casefold().strip(" :")
    for kind, names in HEADINGS.items():
        for name in names:
            if lowered == name or (
                lowered.startswith(name)
                and len(text) < len(name) + 60
                and text.rstrip().endswith(":")
            ):
                return kind
    return None


def find_heading(lines: list[str], kind: str, after: int = 0) -> int | None:
    """Index of the first heading of ``kind`` at or after index ``after``."""
    for index in range(after, len(lines)):
        if lines[index] and heading_of(lines[index]) == kind:
            return index
    return None


_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|No|Art|Arts|M|Mme|Sr|Sra|Dra|Av|Col|Ya|al|etc|vs|p|pp)|"
    r"\b[A-ZА-Я])\.$"
)


def sentences(text: str) -> list[str]:
    """Split running text into sentences, not after "Mr." or an initial."""
    parts: list[str] = []
    start = 0
    for match in re.finditer(r"[.!?…](?:[\"”»’)\]]|\[\d+\])?\s+(?=[\"“«(A-ZÀ-ÝА-Я0-9])", text):
        piece = text[start : match.end()].strip()
        if _ABBREVIATIONS.search(text[start : match.start() + 1]):
            continue
        parts.append(piece)
        start = match.end()
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


#: Dates as appeals write them; each candidate is confirmed by dateparser.
_MONTH = r"[A-Za-zÀ-ÿ\u0400-\u04ff]{3,10}\.?"
DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:de\s+)?{_MONTH}\s+(?:de\s+|del\s+)?\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2}))\b(?:\s+(?:года|г)\b\.?)?",
    re.IGNORECASE,
)


@cache
def _parser():  # type: ignore[no-untyped-def]
    import dateparser

    return dateparser


def parse_date(text: str, language: str) -> dt.date | None:
    """A date written in ``language`` (or English), day before month when only digits."""
    languages = list(dict.fromkeys([language, "en"]))  # each locale loaded costs ~0.1 s
    # Only absolute dates: the relative-time parser ("3 days ago") costs a third of a second
    # to load and an appeal never dates itself that way.
    settings = {
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PARSERS": ["absolute-time"],
    }
    parsed = _parser().parse(text, languages=languages, settings=settings)
    return parsed.date() if parsed else None


def dates_in(text: str, language: str) -> list[tuple[str, dt.date]]:
    """Every date written in ``text``: (as written, the date)."""
    found = []
    for match in DATE.finditer(text):
        day = parse_date(match.group(), language)
        if day is not None and 1900 < day.year < 2100:
            found.append((match.group(), day))
    return found


#: The commonest short words of each supported language: on a whole appeal, counting them
#: tells its language as surely as a statistical model, without a second of model loading.
_FUNCTION_WORDS = {
    "en": [
        "the",
        "of",
        "and",
        "to",
        "in",
        "that",
        "for",
        "on",
        "was",
        "with",
        "by",
        "has",
        "have",
        "been",
        "his",
        "her",
        "their",
        "is",
        "are",
    ],
    "fr": [
        "le",
        "la",
        "les",
        "des",
        "de",
        "du",
        "et",
        "en",
        "un",
        "une",
        "pour",
        "par",
        "sur",
        "dans",
        "que",
        "qui",
        "est",
        "ont",
        "été",
        "au",
        "aux",
    ],
    "es": [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "y",
        "en",
        "un",
        "una",
        "por",
        "para",
        "con",
        "que",
        "se",
        "su",
        "sus",
        "fue",
        "ha",
        "han",
        "al",
    ],
}


def language_of(text: str) -> tuple[str, float]:
    """(language, share of the counted words that are hers) for a whole appeal."""
    cyrillic = len(re.findall(r"[\u0400-\u04ff]", text))
    arabic = len(re.findall(r"[\u0600-\u06ff]", text))
    latin = len(re.findall(r"[A-Za-zÀ-ÿ]", text))
    if max(cyrillic, arabic) > latin:
        return ("ru" if cyrillic > arabic else "ar"), 1.0
    words = Counter(re.findall(r"[a-zà-ÿ]+", text.casefold()))
    scores = {lang: sum(words[w] for w in common) for lang, common in _FUNCTION_WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    total = sum(scores.values())
    return best, (scores[best] / total if total else 0.0)
