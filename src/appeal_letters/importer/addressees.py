"""The authorities to write to, as appeals list them: one line each after a bullet
("· Mr. Vladimir Putin, President of the Russian Federation, Fax: ...") or a block of lines
(Amnesty: title and name, institution, postal lines, "Fax:", "Email:", "Salutation:").

Contact data is taken as written and checked: a fax number that does not parse, or a label
with no address after it, is reported, never completed.
"""

from __future__ import annotations

import re

from ..files import slugify
from ..model.values import check_email, parse_fax_numbers
from .found import Addressee, Found, missing
from .header import country_in, is_stop
from .lines import Block, blocks, find_heading, heading_of
from .words import (
    CYRILLIC_TO_LATIN,
    EXCELLENCY,
    HONORIFICS,
    LABELS,
    LANGUAGE_NAMES,
    OFFICE_WORDS,
    RANKS,
    SALUTATION_STARTS,
    TITLE_ENDS,
)

_LABEL = re.compile(
    r"(?:(?<=^)|(?<=[\s,.;]))(?P<label>"
    + "|".join(
        re.escape(w) for kind in LABELS.values() for w in sorted(kind, key=len, reverse=True)
    )
    + r")s?\s*:",
    re.IGNORECASE,
)
_KIND = {w.casefold(): kind for kind, words in LABELS.items() for w in words}
_PREFERRED = re.compile(
    r"(?:preferred language to address (?:the )?target|langue préférée|idioma preferido)\s*:\s*"
    r"(?P<names>.+)|(?:write|escriban|écrivez)[^.:]*?\b(?:in|en)\s+(?P<one>[A-Za-zñçé]+)\s+"
    r"(?:or|o|ou)\s+(?:in\s+|en\s+)?(?:your|su|votre)",
    re.IGNORECASE,
)
_HONORIFIC = re.compile(
    r"^(?P<excellency>(?:" + "|".join(re.escape(e) for e in EXCELLENCY) + r")\s+)?"
    r"(?P<honorific>(?:" + "|".join(re.escape(h) for h in HONORIFICS) + r")\.?)\s+(?=\S)",
    re.IGNORECASE,
)
_STREET = re.compile(
    r"(?:^|\s)(?:Av\.|Avenida|Calle|Plaza|Street|St\.|Road|Rue|Boulevard|Bd|Paseo|Palacio|"
    r"s/n|Col\.|Piso|Floor|P\.O\.|PO Box|Apartado|Casilla|C\.P\.|Carrera|Cra\.|Edificio)(?:\s|$|,)",
    re.IGNORECASE,
)
#: The languages a country may be named in at the end of an addressee's line.
_LANGUAGES = ("en", "fr", "es", "ru")
_URL = re.compile(r"https?://[^\s,;]+[^\s,;.)]")


def find_addressees(lines: list[str], region: str | None, language: str) -> list[Addressee]:
    """Every addressee the appeal lists, in order."""
    preferred = _preferred_language(lines)
    found = _bullets(lines, region)
    if not found:
        found = _blocks(lines, region)
    kept: list[Addressee] = []
    for addressee in found:
        same = next((k for k in kept if k.source == addressee.source), None)
        if same is not None:  # one letter each, even when the appeal lists an office twice
            same.notes.append(f"listed again at line {addressee.line}: kept once")
        else:
            kept.append(addressee)
    ids: set[str] = set()
    for addressee in kept:
        _finish(addressee, ids, language, preferred)
    return kept


def _bullets(lines: list[str], region: str | None) -> list[Addressee]:
    start = find_heading(lines, "actions") or 0
    found = []
    for block in blocks(lines, start):
        if (block.marker == "bullet" and _LABEL.search(block.text)) or (
            block.marker == "bullet" and _HONORIFIC.match(block.text)
        ):
            found.append(_from_line(block, region))
    return found


def _from_line(block: Block, region: str | None) -> Addressee:
    """ "Mr. A B, Title, Institution, Country. Fax: ...; E-mail: ..." in one line."""
    addressee = Addressee(block.line, block.text)
    first = _LABEL.search(block.text)
    head = block.text[: first.start()] if first else block.text
    _contacts(addressee, block.text[first.start() :] if first else "", region)
    parts = [p.strip(" .;") for p in re.split(r",\s+", head.strip(" .,;")) if p.strip(" .;")]
    iso = _country_named(parts[-1]) if parts else None
    if iso:
        addressee.fields["country"] = Found(iso, block.line, None, parts.pop())
    _name(addressee, parts[0] if parts else "", block.line)
    rest = parts[1:]
    if rest and "title" not in addressee.fields:
        addressee.fields["title"] = Found(rest.pop(0), block.line)
    if rest:
        addressee.fields["institution"] = Found(", ".join(rest), block.line)
    return addressee


def _blocks(lines: list[str], region: str | None) -> list[Addressee]:
    """Amnesty's blocks: after "TARGET'S CONTACT DETAILS", "PLEASE SEND APPEALS ... TO:",
    "And copies to:"; each block ends at a blank line."""
    found: list[Addressee] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opens = heading_of(line) == "addresses" or re.search(
            r"(?:send appeals|envíen llamamientos|envoyez vos appels)\b.*\b(?:to|a|à)\s*:\s*$",
            line,
            re.IGNORECASE,
        )
        index += 1
        if not opens:
            continue
        while index < len(lines):
            while index < len(lines) and not lines[index]:
                index += 1
            group: list[tuple[int, str]] = []
            start = index
            while index < len(lines):
                if lines[index]:
                    group.append((index + 1, lines[index]))
                    index += 1
                    continue
                # A PDF's gap inside one block: a postcode or a contact label after the blank
                # line belongs to the block above, not to a new addressee.
                after = next((i for i in range(index, len(lines)) if lines[i]), None)
                if (
                    group
                    and after is not None
                    and (re.match(r"^\d", lines[after]) or _LABEL.match(lines[after]))
                ):
                    index = after
                    continue
                break
            if not group or is_stop(group[0][1]) or heading_of(group[0][1]):
                index = start
                break
            found.append(_from_block(group, region))
    return found


def _from_block(group: list[tuple[int, str]], region: str | None) -> Addressee:
    addressee = Addressee(group[0][0], "\n".join(text for _, text in group))
    plain = [(n, t) for n, t in group if not _LABEL.match(t)]
    labelled = " ".join(t for _, t in group if _LABEL.match(t))
    _contacts(addressee, labelled, region)
    if not plain:
        return addressee
    number, first = plain[0]
    rest = plain[1:]
    if "," in first and not _HONORIFIC.match(first):
        title, name = (p.strip() for p in first.split(",", 1))
        addressee.fields["title"] = Found(title, number)
        _name(addressee, name, number)
    elif rest and _looks_like_name(rest[0][1]):
        addressee.fields["title"] = Found(first, number)
        _name(addressee, rest[0][1], rest[0][0])
        rest = rest[1:]
    else:
        ends = list(TITLE_ENDS.finditer(first))
        if ends and ends[-1].end() < len(first) - 3:
            cut = ends[-1].end()
            addressee.fields["title"] = Found(
                first[:cut].strip(),
                number,
                "title and name split where the office's words end: check",
            )
            _name(addressee, first[cut:].strip(), number)
        else:
            _name(addressee, first, number)
    if rest and not re.search(r"\d", rest[0][1]) and not _STREET.search(rest[0][1]):
        addressee.fields["institution"] = Found(rest[0][1], rest[0][0])
        rest = rest[1:]
    if rest:
        addressee.fields["address"] = Found([t for _, t in rest], rest[0][0])
        iso = _country_named(re.split(r",\s*", rest[-1][1])[-1])
        if iso:
            addressee.fields["country"] = Found(iso, rest[-1][0])
    return addressee


def _country_named(text: str) -> str | None:
    """The ISO code of the country ``text`` names, in any language an appeal may use."""
    return next((c for lang in _LANGUAGES if (c := country_in(text, lang))), None)


def _looks_like_name(text: str) -> bool:
    if _HONORIFIC.match(text):
        return True
    words = text.split()
    return (
        2 <= len(words) <= 5
        and all(w[:1].isupper() for w in words)
        and not re.search(
            r"\d|\b(?:of|de|del|des|du|la|office|ministry|ministère|secretaría)\b", text, re.I
        )
    )


def _name(addressee: Addressee, text: str, line: int) -> None:
    match = _HONORIFIC.match(text)
    honorific = None
    if match:
        honorific = match.group().strip()
        text = text[match.end() :]
        gender = HONORIFICS[match["honorific"].casefold().rstrip(".")]
        addressee.fields["gender"] = Found(gender, line)
    rank = next((r for r in RANKS if text.casefold().startswith(r + " ")), None)
    if rank:
        addressee.fields.setdefault("title", Found(text[: len(rank)], line))
        text = text[len(rank) + 1 :]
    if honorific:
        addressee.fields["honorific"] = Found(honorific, line)
    else:
        addressee.fields["honorific"] = missing("the appeal gives no honorific (Mr, Ms, ...)")
    addressee.fields["name"] = Found(text.strip(), line)


def _contacts(addressee: Addressee, text: str, region: str | None) -> None:
    """Split "Fax: ... E-mail: ... Twitter: ..." into channels, each checked."""
    labels = list(_LABEL.finditer(text))
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(text)
        value = text[label.end() : end].strip(" .,;")
        kind = _KIND.get(label["label"].casefold(), "social")
        word = label["label"]
        if kind == "fax":
            _faxes(addressee, value, region)
        elif kind == "email":
            _emails(addressee, value, word)
        elif kind == "web_form":
            url = _URL.search(value)
            if url:
                addressee.fields["web_form"] = Found(url.group(), addressee.line)
            else:
                addressee.notes.append(f"'{word}:' is followed by no web address in the appeal")
        elif kind == "salutation":
            addressee.fields["salutation"] = Found(_salutations(value), addressee.line)
        elif value:
            addressee.notes.append(f"{word}: {value} (not a channel letters go by)")


def _faxes(addressee: Addressee, value: str, region: str | None) -> None:
    """Each number on its own: one unreadable number is reported, the others kept. A number
    written without its country code, with letters, or with a "/ 12" ending is marked."""
    if not value:
        addressee.notes.append("'Fax:' is followed by no number in the appeal")
        return
    numbers: list[str] = []
    checks: list[str] = []
    for chunk in re.split(r"[;,]|\s+(?:or|ou|o|y|and|et)\s+", value):
        chunk = re.sub(r"\s*\([^)]*[A-Za-z][^)]*\)\s*$", "", chunk).strip()  # "(office hours)"
        if not chunk:
            continue
        try:
            found = parse_fax_numbers(chunk, region)
        except ValueError as exc:
            addressee.notes.append(f"fax '{chunk}' left out: {exc}")
            continue
        numbers += found
        if "+" not in chunk and re.sub(r"\D", "", chunk)[:2] != "00":
            checks.append(f"'{chunk}' has no country code in the appeal: read as a {region} number")
        if re.search(r"[A-Za-z]", chunk):
            checks.append(f"'{chunk}' has letters: read on a phone keypad")
        if "/" in chunk:
            checks.append(f"'{chunk}': the digits after '/' read as another number's ending")
    if not numbers:
        return
    previous = addressee.fields.get("fax")
    numbers = [*(previous.value if previous else []), *numbers]
    check = "; ".join(checks) + ": check" if checks else None
    addressee.fields["fax"] = Found(list(dict.fromkeys(numbers)), addressee.line, check, value)


def _emails(addressee: Addressee, value: str, word: str) -> None:
    text = re.sub(r"\s*(?:\(a\)|\[at\]|\(at\)|\{at\}| at )\s*", "@", value, flags=re.I)
    text = re.sub(r"\s*(?:\[dot\]|\(dot\)| dot )\s*", ".", text, flags=re.I)
    addresses = []
    # "or", "et", "y" separate addresses only as words of their own: "info@mfa.gov.et" and
    # "y@mid.ru" are addresses.
    for candidate in re.split(r"[\s,;/]+", text):
        candidate = candidate.strip(" .<>()[]")
        if not candidate or candidate.casefold() in ("or", "ou", "o", "y", "and", "et"):
            continue
        try:
            addresses.append(check_email(candidate))
        except ValueError:
            addressee.notes.append(f"'{candidate}' after '{word}:' is not an e-mail address")
    if not addresses and not value:
        addressee.notes.append(f"'{word}:' is followed by no address in the appeal")
    if addresses:
        previous = addressee.fields.get("email")
        joined = [*(previous.value if previous else []), *addresses]
        check = None if text == value else "written with (a)/[at]: check the address"
        mixed = [a for a in addresses if _mixed_scripts(a)]
        if mixed:
            check = f"{', '.join(mixed)} mixes Latin and other letters: check every character"
        addressee.fields["email"] = Found(list(dict.fromkeys(joined)), addressee.line, check, value)


def _mixed_scripts(address: str) -> bool:
    """Latin letters beside Cyrillic or Greek ones: a lookalike ("mинистр") or a typo."""
    latin = re.search(r"[A-Za-z]", address)
    other = re.search(r"[\u0370-\u03ff\u0400-\u04ff]", address)
    return bool(latin and other)


def _salutations(value: str) -> dict[str, str]:
    """ "Dear Attorney General/Señor Fiscal General": one salutation per language."""
    found: dict[str, str] = {}
    for part in re.split(r"\s*/\s*", value):
        part = part.strip(" ,")
        if not part:
            continue
        first = part.split()[0].casefold()
        found.setdefault(SALUTATION_STARTS.get(first, "?"), part)
    return found


def _preferred_language(lines: list[str]) -> Found | None:
    for index, line in enumerate(lines):
        match = _PREFERRED.search(line)
        if match:
            names = match["names"] or match["one"] or ""
            for word in re.split(r"[\s,/]+|\bor\b|\bo\b|\bou\b", names.casefold()):
                if word in LANGUAGE_NAMES:
                    return Found(LANGUAGE_NAMES[word], index + 1, None, names.strip())
    return None


def _finish(addressee: Addressee, ids: set[str], language: str, preferred: Found | None) -> None:
    """Office, language, id; salutations per language."""
    title = str(addressee.value("title") or "")
    office = next(
        (kind for kind, pattern in OFFICE_WORDS if re.search(pattern, title, re.IGNORECASE)),
        "official",
    )
    addressee.fields["office"] = Found(
        office,
        addressee.line,
        None if office != "official" else "no known office in the title: 'official' (check)",
    )
    if not addressee.value("title"):
        addressee.fields["title"] = missing("the appeal gives no office title: write it")
    addressee.fields.setdefault("gender", Found("unspecified", None))
    letters = preferred.value if preferred else language
    addressee.fields["language"] = Found(letters, preferred.line if preferred else None, None)
    salutations = addressee.value("salutation") or {}
    if "?" in salutations:
        addressee.notes.append(f"salutation '{salutations.pop('?')}': language not known, left out")
    named = str(addressee.value("name") or title or "recipient").lower()
    base = slugify(named.translate(CYRILLIC_TO_LATIN), 40)
    if base == "letter":  # nothing slugify could keep (another script): a plain id
        base = "recipient"
    candidate, number = base, 2
    while candidate in ids:
        candidate, number = f"{base}-{number}", number + 1
    ids.add(candidate)
    addressee.fields["id"] = Found(candidate, addressee.line)
    name = str(addressee.value("name") or "")
    if len(name.split()) > 2:
        addressee.notes.append(
            f"'{name}': which word is the family name is not certain; set family_name if a "
            "salutation names the person"
        )
