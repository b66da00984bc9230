"""Read a supporters file (CSV as people really export it, XLSX or YAML) into senders.

Each bad row is reported by its number and the field at fault, never its contents, and kept
aside so staff can fix it and run again; good rows go on.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import pydantic
from babel import Locale

from ..errors import AppealLettersError
from ..files import atomic_write, spreadsheet_csv
from ..spill import Spill
from .campaign import Sender, comparable
from .postal import town_lines
from .sheets import decode, rows_from_csv, rows_from_xlsx, rows_from_yaml
from .values import SUPPORTED_LANGUAGES

#: Column names (lower case, accents, spaces and punctuation removed) -> field.
HEADERS: dict[str, str] = {
    **dict.fromkeys(["id", "key", "supporterid", "supporterkey", "reference"], "key"),
    **dict.fromkeys(["name", "fullname", "supporter", "supportername", "nom", "nombre"], "name"),
    **dict.fromkeys(["firstname", "givenname", "forename", "prenom"], "first_name"),
    **dict.fromkeys(["lastname", "surname", "familyname", "apellido"], "last_name"),
    **dict.fromkeys(
        ["address", "address1", "addressline1", "street", "street1", "adresse", "direccion"],
        "address1",
    ),
    **dict.fromkeys(["address2", "addressline2", "street2", "adresse2"], "address2"),
    **dict.fromkeys(["address3", "addressline3", "street3"], "address3"),
    **dict.fromkeys(["city", "town", "ville", "ciudad", "locality"], "city"),
    **dict.fromkeys(
        ["postcode", "postalcode", "zip", "zipcode", "codepostal", "cp", "plz"], "postcode"
    ),
    **dict.fromkeys(["state", "region", "province", "county", "oblast"], "region"),
    **dict.fromkeys(["country", "pays", "pais", "countrycode"], "country"),
    **dict.fromkeys(["email", "emailaddress", "mail", "courriel", "correo"], "email"),
    **dict.fromkeys(["language", "lang", "langue", "idioma"], "language"),
    **dict.fromkeys(
        ["paragraph", "personalparagraph", "message", "personalmessage", "comment", "comments"],
        "paragraph",
    ),
}


@dataclass(frozen=True)
class Supporter:
    """One supporter: a stable key (for folders and the manifest) and who signs."""

    key: str
    row: int
    sender: Sender
    language: str | None = None


@dataclass(frozen=True)
class Rejected:
    row: int
    reason: str
    values: dict[str, str]


@dataclass
class SupportersFile:
    path: Path
    #: in a Spill (on disk) when read with spill=True
    supporters: Sequence[Supporter] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty_rows: int = 0


def _normal(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


def read_supporters(file: Path, *, strict: bool = False, spill: bool = False) -> SupportersFile:
    """Read every row; bad ones go to ``rejected`` (or raise at the first with ``strict``).
    ``spill``: keep the supporters on disk, not in memory (a batch of tens of thousands)."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise AppealLettersError(f"{file}: cannot read the file: {exc.strerror}") from exc
    result = SupportersFile(file)
    suffix = file.suffix.lower()
    if suffix == ".xlsx":
        header, rows = rows_from_xlsx(file)
    else:
        try:
            text, encoding = decode(raw)
        except AppealLettersError as exc:
            raise AppealLettersError(f"{file}: {exc}") from None
        if encoding != "UTF-8":
            result.notes.append(f"{file}: read as {encoding} (not UTF-8); check accented names")
        header, rows = (
            rows_from_yaml(file, text) if suffix in (".yaml", ".yml") else rows_from_csv(file, text)
        )
    result.columns = header
    fields = [HEADERS.get(_normal(h)) for h in header]
    unknown = [h for h, f in zip(header, fields, strict=True) if f is None and h.strip()]
    if unknown:
        result.notes.append(f"{file}: columns ignored: {', '.join(unknown)}")
    has_name = "name" in fields or {"first_name", "last_name"} <= set(fields)
    if not has_name or "address1" not in fields:
        raise AppealLettersError(
            f"{file}: needs a name column (or first and last name) and an address column; "
            f"found: {_shown_header(header)}"
        )
    for wanted in dict.fromkeys(f for f in fields if f is not None):
        given_by = [h for h, f in zip(header, fields, strict=True) if f == wanted]
        if len(given_by) > 1:
            raise AppealLettersError(
                f"{file}: columns {' and '.join(repr(h) for h in given_by)} both give the "
                f"{wanted.replace('1', '').replace('_', ' ')}; rename one (Address 2, say) or "
                "remove it"
            )
    unit = "entry" if suffix in (".yaml", ".yml") else "row"
    kept: list[Supporter] | Spill[Supporter] = Spill() if spill else []
    result.supporters = kept
    seen: dict[str, int] = {}
    for number, values in rows:
        record = dict(zip(header, values, strict=False))
        if not any(v.strip() for v in values):
            result.empty_rows += 1
            continue
        mapped: dict[str, str] = {}
        for name, value in zip(fields, values, strict=False):
            if name and value.strip():
                mapped[name] = value.strip()
        try:
            if any(v.strip() for v in values[len(header) :]):
                raise _RowError(
                    f"has {len(values)} cells but the header has {len(header)}; a value with "
                    "a comma must be in quotes"
                )
            supporter = _supporter(mapped, number)
        except _RowError as exc:
            reason = f"{file}:{unit} {number}: {exc}"
            if strict:
                raise AppealLettersError(reason) from None
            result.rejected.append(Rejected(number, str(exc), record))
            continue
        same = comparable(supporter.key)
        if same in seen:
            reason = f"duplicate of {unit} {seen[same]}"
            if strict:
                raise AppealLettersError(f"{file}:{unit} {number}: {reason}")
            result.rejected.append(Rejected(number, reason, record))
            continue
        seen[same] = number
        kept.append(supporter)
    return result


class _RowError(Exception):
    pass


def _supporter(values: dict[str, str], number: int) -> Supporter:
    name = values.get("name") or " ".join(
        v for v in (values.get("first_name"), values.get("last_name")) if v
    )
    lines: list[str] = []
    origins: list[str] = []  # the column each address line comes from, to name it in errors
    for key in ("address1", "address2", "address3"):
        for line in values.get(key, "").splitlines():
            if line.strip():
                lines.append(line.strip())
                origins.append(key)
    country_code, country_line = _country(values.get("country"))
    if country_line and country_code is None:
        raise _RowError(
            "country: not a country name or ISO code this tool knows; write its two-letter "
            "code (FR, US) or its English name"
        )
    # Postcode, town and region in the order of the supporter's country ("New York, NY 10001").
    town = town_lines(
        country_code,
        postcode=values.get("postcode", ""),
        town=values.get("city", ""),
        region=values.get("region", ""),
    )
    lines += town
    origins += ["postcode, city or region"] * len(town)
    if country_line:
        lines.append(country_line)
        origins.append("country")
    language = values.get("language", "").lower() or None
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise _RowError(f"language: not one of {', '.join(SUPPORTED_LANGUAGES)}")
    data: dict[str, Any] = {"name": name, "address": lines}
    if values.get("city"):
        data["town"] = values["city"].strip()
    for key in ("email", "paragraph"):
        if values.get(key):
            data[key] = values[key]
    if country_code:
        data["country"] = country_code
    try:
        sender = Sender.model_validate(data)
    except pydantic.ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field_name = ".".join(str(p) for p in error["loc"][:1]) or "row"
        if field_name == "address" and len(error["loc"]) > 1:
            index = error["loc"][1]
            if isinstance(index, int) and index < len(origins):
                field_name = origins[index]
        elif field_name == "town":
            field_name = "city"
        kind = error["type"]
        what = {
            "missing": "is missing",
            "string_too_short": "is empty",
            "too_short": "is empty",
            "string_too_long": "is too long",
            "too_long": "has too many lines",
            "string_pattern_mismatch": (
                "has line breaks, control characters, bidi overrides or invisible characters"
            ),
        }.get(kind, "is not valid")
        if field_name == "email" and kind == "value_error":
            what = "is not a valid e-mail address"
        raise _RowError(f"{field_name}: {what}") from None
    explicit = unicodedata.normalize("NFKC", values.get("key", "")).strip()
    key = explicit or _derived_key(sender)
    return Supporter(key=key, row=number, sender=sender, language=language)


def _country(value: str | None) -> tuple[str | None, str | None]:
    """An ISO code and the line printed in the address, from a code or an English name."""
    if not value:
        return None, None
    if value.upper() in phonenumbers.SUPPORTED_REGIONS:
        code = value.upper()
        return code, Locale("en").territories.get(code, code)
    return _COUNTRY_NAMES.get(comparable(value).replace(".", "")), value


#: Country names as supporters write them: Babel's English names, and the usual short forms.
_COUNTRY_NAMES = {
    **{comparable(n): c for c, n in Locale("en").territories.items() if len(c) == 2},
    **dict.fromkeys(["usa", "united states of america", "america", "us of a"], "US"),
    **dict.fromkeys(["uk", "great britain", "britain", "england", "scotland", "wales"], "GB"),
    "northern ireland": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "russia": "RU",
    "czech republic": "CZ",
    "south korea": "KR",
    "korea": "KR",
    "ivory coast": "CI",
}


def _shown_header(header: Sequence[str]) -> str:
    """The header row for a message, unless it looks like a supporter's data (a file without
    a header row): a message never shows a supporter's details."""
    if not header:
        return "no header"
    if any("@" in h or sum(c.isdigit() for c in h) > 2 for h in header):
        return f"{len(header)} cells that look like data, not column names: is the header missing?"
    return ", ".join(header)


def _derived_key(sender: Sender) -> str:
    """A stable key without a key column: from the e-mail, else name and address."""
    lines = [sender.email] if sender.email else [sender.name, *sender.address]
    basis = "\n".join(comparable(line) for line in lines)
    return "s" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]


def write_rejected(path: Path, columns: Sequence[str], rejected: Sequence[Rejected]) -> None:
    """``rejected.csv``: the rows as they were, plus why, to fix and run again."""
    text = spreadsheet_csv(
        ["row", "reason", *columns],
        ([item.row, item.reason, *(item.values.get(c, "") for c in columns)] for item in rejected),
    )
    atomic_write(path, text.encode("utf-8-sig"))
