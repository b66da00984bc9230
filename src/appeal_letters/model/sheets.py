"""The rows of a supporters file, as text: CSV (any encoding spreadsheets save in), XLSX, YAML.

Read as hostilely as the workspace files: the encoding detected and named, a NUL byte reported
at its line, a cell limit, a quote left open reported at the row where it opened, YAML through
the node-limited loader with every value required to be text.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import AppealLettersError, ValidationError
from .load import YamlDocument, parse_yaml

Rows = tuple[list[str], Iterable[tuple[int, list[str]]]]


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


def rows_from_csv(file: Path, text: str) -> Rows:
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


def rows_from_xlsx(file: Path) -> Rows:
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


def rows_from_yaml(file: Path, text: str) -> Rows:
    # The same guarded parser as the workspace files: positions, a node limit (no alias bomb).
    doc = parse_yaml(YamlDocument(file), text)
    if doc.problems:
        raise ValidationError(doc.problems)
    data = doc.data
    items = data.get("supporters") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise AppealLettersError(f"{file}: expected a list of supporters (name: ..., address: ...)")
    # Text only: YAML reads 0154 as the number 108, NO as false and 12:30 as 750; a value
    # that is not text (or a list of text lines) is an error at its position, as in the
    # workspace files, never a letter that says "False".
    path: tuple[str | int, ...] = ("supporters",) if isinstance(data, dict) else ()
    for number, item in enumerate(items):
        for key, value in item.items():
            lines = value if isinstance(value, list) else [value]
            if not all(v is None or isinstance(v, str) for v in lines):
                doc.problem(
                    (*path, number, key),
                    'must be text; put the value in quotes ("0154", "NO", "On")',
                )
    if doc.problems:
        raise ValidationError(doc.problems)
    header = list(dict.fromkeys(str(k) for item in items for k in item))
    return header, (
        (number, [_yaml_value(item.get(k)) for k in header])
        for number, item in enumerate(items, start=1)
    )


def _yaml_value(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)
