"""The appeal's own particulars: code, issuer, place and date, country, language, title, update,
index, deadline, what else it asks, and the facts in its own sentences.

Each value comes from a line of the appeal; what is derived rather than read (a country from
the code's prefix, an issuer's name from its wording) is marked for review.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext
import re
from collections import Counter
from functools import cache

from .found import Found, missing
from .lines import DATE, blocks, dates_in, find_heading, heading_of, language_of, sentences
from .words import COPIES_TO, ISSUERS, ORDINALS, STOPS

OBSERVATORY_CODE = re.compile(
    r"\b(?P<country>[A-Z]{3})\s*(?P<number>\d{3})\s*/\s*(?P<month>\d{4})\s*/\s*OBS\s*"
    r"(?P<obs>\d{3})(?:\.(?P<update>\d{1,2}))?\b"
)
AMNESTY_CODE = re.compile(
    r"\b(?:(?P<ordinal>[A-Za-zéè]+)\s+)?(?P<kind>UA|AU)\s*:?\s*(?P<number>\d{1,3})\s*/\s*"
    r"(?P<year>\d{2})\b"
)
INDEX = re.compile(
    r"\b(?:Index|Índice|Indice|AI Index|Index AI)\s*:?\s*(?P<index>[A-Z]{3}\s?\d{2}/\d{3,4}/\d{4})"
)
DEADLINE = re.compile(
    r"(?:\buntil\b|\bbefore\b|\bantes del?\b|\bavant le\b|\bjusqu'au\b|\bdeadline\b|"
    r"\bfecha límite\b|\bdate limite\b)[^0-9A-Za-z]*(?:notice\s*:?\s*)?",
    re.IGNORECASE,
)
PLACE_DATE = re.compile(
    r"^(?P<place>[A-ZÀ-ÝА-ЯЁ][A-Za-zÀ-ÿА-яЁё' -]{1,40}?),\s+(?:le\s+|el\s+|the\s+)?"
    r"(?P<date>.+?)\.?$"
)
DATE_LABEL = re.compile(
    r"\b(?:Issue Date|Date|Fecha de emisión|Fecha|Date d'émission|Publication date)\s*:\s*",
    re.IGNORECASE,
)


def find_code(lines: list[str]) -> tuple[Found, int | None, Found]:
    """The appeal's code, normalised; the update number its form gives; the codes of the
    appeals it follows (an Observatory update quotes ".1" and the first appeal's code)."""
    candidates: Counter[str] = Counter()
    first: dict[str, tuple[int, str]] = {}
    updates: dict[str, int | None] = {}
    for index, line in enumerate(lines):
        for match in OBSERVATORY_CODE.finditer(line):
            code = (
                f"{match['country']} {match['number']} / {match['month']} / OBS {match['obs']}"
                + (f".{match['update']}" if match["update"] else "")
            )
            alone = line.strip() == match.group().strip()
            candidates[code] += 3 if alone else 1
            first.setdefault(code, (index + 1, match.group()))
            updates[code] = int(match["update"]) if match["update"] else None
        for match in AMNESTY_CODE.finditer(line):
            code = f"UA {int(match['number'])}/{match['year']}"
            candidates[code] += 1
            first.setdefault(code, (index + 1, match.group()))
            ordinal = (match["ordinal"] or "").casefold()
            if ordinal in ORDINALS:
                updates[code] = ORDINALS[ordinal]
            else:
                updates.setdefault(code, None)
    if not candidates:
        return missing("no code found"), None, Found(None, None)
    observatory = [c for c in candidates if "OBS" in c]
    pool = observatory or list(candidates)
    best = max(pool, key=lambda c: (candidates[c], -first[c][0]))
    number, written = first[best]
    base = best.split(".")[0]
    earlier = sorted(
        (c for c in candidates
         if c != best and c.split(".")[0] == base and (updates[c] or 0) < (updates[best] or 0)),
        key=lambda c: updates[c] or 0,
    )  # fmt: skip
    others = [c for c in candidates if c != best and c not in earlier]
    check = (
        f"the text also quotes {', '.join(others)}: check which is this appeal's"
        if others
        else None
    )
    form = written.strip()
    follows = Found(earlier or None, first[earlier[0]][0] if earlier else None)
    return Found(best, number, check, form if form != best else None), updates[best], follows


def find_issuer(text: str, language: str) -> tuple[Found, str | None]:
    """Who issued the appeal, as it reads after "reported by", and its kind."""
    for kind, entry in ISSUERS.items():
        match = re.search(str(entry["pattern"]), text, re.IGNORECASE)
        if match:
            names = entry["names"]
            assert isinstance(names, dict)
            name = names.get(language, names["en"])
            line = text.count("\n", 0, match.start()) + 1
            return Found(name, line, f"named from '{match.group()}': check the wording"), kind
    return missing("no known issuer named: write who issued the appeal"), None


def find_language(text: str) -> Found:
    language, share = language_of(text)
    check = None if share > 0.5 else f"the text is mixed ({share:.0%} {language}): check"
    return Found(language, None, check)


def find_place_date(lines: list[str], language: str, code_line: int | None) -> tuple[Found, Found]:
    """Where and when the appeal was issued: "Geneva-Paris, March 23, 2016", a "Date:" label,
    or the date in the block around the code. A web site's own dates are not these."""
    for index, line in enumerate(lines):
        match = PLACE_DATE.match(line)
        if match and len(line) < 80:
            found = dates_in(match["date"], language)
            if found and found[0][0].strip(" .") == match["date"].strip(" ."):
                return Found(match["place"].strip(), index + 1), Found(found[0][1], index + 1)
    for index, line in enumerate(lines):
        label = DATE_LABEL.search(line)
        if label:
            found = dates_in(line[label.end() :], language)
            if found:
                return missing("the appeal names no place of issue (none needed)"), Found(
                    found[0][1], index + 1
                )
    if code_line is not None:
        for index in range(max(0, code_line - 6), min(len(lines), code_line + 6)):
            found = dates_in(lines[index], language)
            if found:
                return missing("the appeal names no place of issue (none needed)"), Found(
                    found[0][1], index + 1, "the date next to the code: check it is the issue date"
                )
    return missing("no place of issue found"), missing(
        "no date of issue found: write it as YYYY-MM-DD"
    )


def find_deadline(lines: list[str], language: str) -> Found:
    for index, line in enumerate(lines):
        for match in DEADLINE.finditer(line):
            found = dates_in(line[match.end() : match.end() + 40], language)
            if found and DATE.match(line[match.end() :]):
                return Found(found[0][1], index + 1)
    return Found(None, None)


def find_index(lines: list[str]) -> Found:
    for index, line in enumerate(lines):
        match = INDEX.search(line)
        if match:
            return Found(match["index"], index + 1)
    return Found(None, None)


@cache
def _country_names(language: str) -> dict[str, str]:
    """Country names (in ``language`` and in English, common and official) -> ISO code."""
    import pycountry

    names: dict[str, str] = {}
    translation: gettext.NullTranslations = gettext.NullTranslations()
    if language != "en":
        with contextlib.suppress(OSError):
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [language])
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                names[name.casefold()] = country.alpha_2
                names[translation.gettext(name).casefold()] = country.alpha_2
    # pycountry's French and Spanish names are the formal ones; appeals use the short ones.
    names.update({"russie": "RU", "rusia": "RU", "fédération de russie": "RU",
                  "federación de rusia": "RU", "mexique": "MX", "méxico": "MX"})  # fmt: skip
    return names


def country_in(text: str, language: str) -> str | None:
    """The ISO code of a country named exactly by ``text`` (a line or a part of one)."""
    return _country_names(language).get(text.casefold().strip(" .,;:()"))


def find_country(lines: list[str], language: str, code: str | None) -> tuple[Found, str | None]:
    """The country the appeal is about (as the appeal names it) and its ISO code."""
    import pycountry

    names = _country_names(language)
    from_code = None
    if code and "OBS" in code:
        country = pycountry.countries.get(alpha_3=code[:3])
        from_code = country.alpha_2 if country else None
    mentions: Counter[str] = Counter()
    where: dict[str, tuple[int, str]] = {}
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b",
        re.IGNORECASE,
    )
    for index, line in enumerate(lines):
        for match in pattern.finditer(line):
            named = names[match.group().casefold()]
            mentions[named] += 3 if line.strip(" .") == match.group() else 1
            if named not in where or line.strip(" .") == match.group():
                where[named] = (index + 1, match.group())
    iso = from_code if from_code in mentions or (from_code and not mentions) else None
    if iso is None and mentions:
        iso = mentions.most_common(1)[0][0]
    if iso is None:
        return missing("no country found: write the country whose authorities are addressed"), None
    if iso not in where:
        country = pycountry.countries.get(alpha_2=iso)
        return Found(country.name if country else iso, None, "from the code's prefix: check"), iso
    number, written = where[iso]
    check = None if iso == from_code or len(mentions) == 1 else "the most named country: check"
    return Found(written, number, check), iso


def find_title(lines: list[str], headings: list[str], code_line: int | None) -> Found:
    """The appeal's title: a web page's heading, the line after "URGENT ACTION", else the first
    line that reads as a title."""
    for heading in headings:
        for index, line in enumerate(lines):
            if line == heading:
                return Found(heading, index + 1, "the page's first heading: check it is the title")
    for index, line in enumerate(lines[:-1]):
        if line.casefold() in ("urgent action", "acción urgente", "action urgente"):
            following = next((i for i in range(index + 1, len(lines)) if lines[i]), None)
            if following is not None and lines[following].isupper():
                return Found(lines[following], following + 1, "the heading after the banner")
    for index, line in enumerate(lines):
        words = line.split()
        if line.isupper() and index + 1 < len(lines) and lines[index + 1].isupper():
            # A heading in large type wraps over two lines of a PDF.
            line = f"{line} {lines[index + 1]}"
            words = line.split()
        if (
            len(words) >= 4
            and len(line) < 250
            and ">" not in line
            and not heading_of(line)
            and not OBSERVATORY_CODE.search(line)
            and not AMNESTY_CODE.search(line)
            and not DATE_LABEL.search(line)
            and not DATE.search(line)
            and not line.endswith(":")
        ):
            return Found(line, index + 1, "the first line that reads as a title: check")
    return missing("no title found: write the appeal's title")


def find_summary(lines: list[str], title_line: int | None) -> Found:
    """The facts, in the appeal's own sentences: the start of its "new information" (or the
    first paragraph after the title), never rewritten. Marked for review."""
    start = find_heading(lines, "new_information")
    if start is None:
        start = title_line or 0
    for block in blocks(lines, start + 1):
        if block.marker or heading_of(block.text) or len(block.text) < 120:
            continue
        chosen: list[str] = []
        for sentence in sentences(block.text):
            if chosen and len(" ".join([*chosen, sentence])) > 650:
                break
            chosen.append(sentence)
        return Found(
            " ".join(chosen),
            block.line,
            "sentences taken word for word from the appeal: shorten or complete them, and keep "
            "every statement as the appeal makes it",
        )
    return missing("no account of the facts found: write a short summary from the appeal")


def find_copies_to(lines: list[str]) -> list[Found]:
    found = []
    for block in blocks(lines):
        for sentence in sentences(block.text):
            if COPIES_TO.match(sentence):
                found.append(Found(sentence, block.line))
    return found


def is_stop(text: str) -> bool:
    lowered = text.casefold()
    return any(lowered.startswith(stop) for stop in STOPS) or bool(COPIES_TO.match(text))


def today() -> dt.date:
    return dt.date.today()
