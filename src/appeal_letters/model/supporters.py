"""Read a supporters file (CSV as people really export it, XLSX or YAML) into senders.

Each bad row is reported by its number and the field at fault, never its contents, and kept
aside so staff can fix it and run again; good rows go on.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import pydantic
from babel import Locale

from ..errors import AppealLettersError, ValidationError
from ..files import atomic_write, spreadsheet_csv
from .campaign import SUPPORTED_LANGUAGES, Sender
from .load import YamlDocument, parse_yaml

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
    supporters: list[Supporter] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty_rows: int = 0


def _normal(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


#: Byte-order marks of the Unicode encodings spreadsheets save in ("Unicode text" in Excel is
#: UTF-16 LE), longest first: UTF-32 LE starts with UTF-16 LE's mark.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


def decode(raw: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was in: by its byte-order mark (UTF-8, UTF-16,
    UTF-32), else UTF-8, else Windows-1252. Raises for a file that is not text."""
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), name
            except UnicodeDecodeError as exc:
                raise AppealLettersError(f"not valid {name} text (byte {exc.start})") from None
    if raw[:2000].count(b"\x00") > len(raw[:2000]) // 4:
        # Every other byte NUL: UTF-16 without its mark.
        codec = "utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be"
        try:
            return raw.decode(codec), "UTF-16 (without byte-order mark)"
        except UnicodeDecodeError:
            pass
    try:
        text, name = raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        text, name = raw.decode("cp1252", errors="replace"), "Windows-1252"
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise AppealLettersError(
            f"line {line}: a NUL byte; this is not a text file (save it as CSV, UTF-8)"
        )
    return text, name


#: Longest cell read, in characters: an address or a paragraph is far shorter; a longer cell
#: is a wrong file or a quote left open.
MAX_CELL = 20_000


def _rows_from_csv(file: Path, text: str) -> tuple[list[str], Iterable[tuple[int, list[str]]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    # strict: a quote left open is an error at the row where it opened, not a cell that
    # swallows every later row.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    row = 1
    line = 1

    def fail(exc: csv.Error) -> AppealLettersError:
        what = str(exc)
        if "field larger" in what:
            what = f"a cell longer than {MAX_CELL} characters"
        elif "unexpected end of data" in what or "expected" in what:
            what = f"a quote opened on line {line} is not closed where it should be ({exc})"
        return AppealLettersError(f"{file}: row {row} (line {line}): {what}; check the quotes")

    try:
        with _cell_limit():
            header = next(reader)
    except StopIteration:
        return [], iter(())
    except csv.Error as exc:
        raise fail(exc) from None

    def rows() -> Iterable[tuple[int, list[str]]]:
        # Numbered as a spreadsheet shows them: the header is row 1, a multi-line cell is one row.
        nonlocal row, line
        while True:
            row, line = row + 1, reader.line_num + 1
            try:
                with _cell_limit():
                    values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise fail(exc) from None
            yield row, values

    return header, rows()


@contextlib.contextmanager
def _cell_limit() -> Iterator[None]:
    previous = csv.field_size_limit(MAX_CELL)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _rows_from_xlsx(file: Path) -> tuple[list[str], Iterable[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(v or "") for v in next(rows, ())]
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
        raise AppealLettersError(
            f"{file}: not a readable .xlsx workbook ({type(exc).__name__}); save it again "
            "from your spreadsheet, or as CSV"
        ) from None

    def data() -> Iterable[tuple[int, list[str]]]:
        for number, values in enumerate(rows, start=2):
            yield number, ["" if v is None else str(v) for v in values]

    return header, data()


def _rows_from_yaml(file: Path, text: str) -> tuple[list[str], Iterable[tuple[int, list[str]]]]:
    # The same guarded parser as the workspace files: positions, a node limit (no alias bomb).
    doc = parse_yaml(YamlDocument(file), text)
    if doc.problems:
        raise ValidationError(doc.problems)
    data = doc.data
    items = data.get("supporters") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise AppealLettersError(f"{file}: expected a list of supporters (name: ..., address: ...)")
    header = list(dict.fromkeys(k for item in items for k in item))
    return header, (
        (number, [_yaml_value(item.get(k)) for k in header])
        for number, item in enumerate(items, start=1)
    )


def _yaml_value(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def read_supporters(file: Path, *, strict: bool = False) -> SupportersFile:
    """Read every row; bad ones go to ``rejected`` (or raise at the first with ``strict``)."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise AppealLettersError(f"{file}: cannot read the file: {exc.strerror}") from exc
    result = SupportersFile(file)
    suffix = file.suffix.lower()
    if suffix == ".xlsx":
        header, rows = _rows_from_xlsx(file)
    else:
        try:
            text, encoding = decode(raw)
        except AppealLettersError as exc:
            raise AppealLettersError(f"{file}: {exc}") from None
        if encoding != "UTF-8":
            result.notes.append(f"{file}: read as {encoding} (not UTF-8); check accented names")
        header, rows = (
            _rows_from_yaml(file, text)
            if suffix in (".yaml", ".yml")
            else _rows_from_csv(file, text)
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
            f"found: {', '.join(header) or 'no header'}"
        )
    unit = "entry" if suffix in (".yaml", ".yml") else "row"
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
        result.supporters.append(supporter)
    return result


class _RowError(Exception):
    pass


def _supporter(values: dict[str, str], number: int) -> Supporter:
    name = values.get("name") or " ".join(
        v for v in (values.get("first_name"), values.get("last_name")) if v
    )
    lines = [
        line.strip()
        for key in ("address1", "address2", "address3")
        for line in values.get(key, "").splitlines()
        if line.strip()
    ]
    town = " ".join(v for v in (values.get("postcode"), values.get("city")) if v)
    if town:
        lines.append(town)
    country_code, country_line = _country(values.get("country"))
    if country_line:
        lines.append(country_line)
    language = values.get("language", "").lower() or None
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise _RowError(f"language: not one of {', '.join(SUPPORTED_LANGUAGES)}")
    data: dict[str, Any] = {"name": name, "address": lines}
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
    names = {n.lower(): c for c, n in Locale("en").territories.items() if len(c) == 2}
    return names.get(value.lower()), value


def _derived_key(sender: Sender) -> str:
    """A stable key without a key column: from the e-mail, else name and address."""
    lines = [sender.email] if sender.email else [sender.name, *sender.address]
    basis = "\n".join(comparable(line) for line in lines)
    return "s" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]


def comparable(text: str) -> str:
    """Text as duplicates are compared: NFKC, case-folded, spaces collapsed (so "Ｎo Mail" and
    "no  mail" are one supporter; invisible characters are refused before this)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def write_rejected(path: Path, columns: Sequence[str], rejected: Sequence[Rejected]) -> None:
    """``rejected.csv``: the rows as they were, plus why, to fix and run again."""
    text = spreadsheet_csv(
        ["row", "reason", *columns],
        ([item.row, item.reason, *(item.values.get(c, "") for c in columns)] for item in rejected),
    )
    atomic_write(path, text.encode("utf-8-sig"))
