"""Supporters files as people really export them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from appeal_letters.errors import AppealLettersError
from appeal_letters.model import read_supporters, write_rejected


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_with_bom_and_commas(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.csv",
        (
            "\ufeffName,Address,Postcode,City,Country,E-mail\n"
            "Zoë Ünal,Rue du Lac 1,1200,Genève,CH,zoe@example.org\n"
            "Jan Novák,Na Příkopě 3,110 00,Praha,Czechia,\n"
        ).encode("utf-8"),
    )
    result = read_supporters(path)
    assert result.notes == []
    first, second = result.supporters
    assert first.sender.name == "Zoë Ünal"
    assert first.sender.address == ["Rue du Lac 1", "1200 Genève", "Switzerland"]
    assert first.sender.country == "CH"
    assert first.sender.email == "zoe@example.org"
    assert second.sender.address[-1] == "Czechia" and second.sender.country == "CZ"
    assert [s.row for s in result.supporters] == [2, 3]


def test_semicolons_latin1_and_multiline_addresses(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "export.csv",
        (
            "NOM;Adresse;Code postal;Ville;Courriel;Langue\r\n"
            'Hélène Dupré;"12 rue des Lilas\r\nBâtiment B";75011;Paris;helene@example.org;fr\r\n'
        ).encode("cp1252"),
    )
    result = read_supporters(path)
    assert result.notes == [f"{path}: read as Windows-1252 (not UTF-8); check accented names"]
    (supporter,) = result.supporters
    assert supporter.sender.name == "Hélène Dupré"
    assert supporter.sender.address == ["12 rue des Lilas", "Bâtiment B", "75011 Paris"]
    assert supporter.language == "fr"


def test_first_and_last_name_columns_and_ignored_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.csv",
        b"First name,Last name,Street,Town,Signed up\n"
        b"Ada,Lovelace,1 St James's Square,London,2016-03-24\n",
    )
    result = read_supporters(path)
    assert result.supporters[0].sender.name == "Ada Lovelace"
    assert result.notes == [f"{path}: columns ignored: Signed up"]


def test_bad_rows_are_rejected_by_row_and_field_without_their_contents(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.csv",
        (
            b"name,address,email,language\n"
            b"Ok One,1 Street,one@example.org,en\n"
            b",2 Street,two@example.org,en\n"
            b"Bad Mail,3 Street,not-an-address,en\n"
            b"\n"
            b",,,\n"
            b"Ok One,1 Street,one@example.org,en\n"
            b"Wrong Lang,4 Street,,xx\n"
            b"No Address,,,\n"
        ),
    )
    result = read_supporters(path)
    assert [s.sender.name for s in result.supporters] == ["Ok One"]
    assert [(r.row, r.reason) for r in result.rejected] == [
        (3, "name: is empty"),
        (4, "email: is not a valid e-mail address"),
        (7, "duplicate of row 2"),
        (8, "language: not one of en, fr, es, ru, ar"),
        (9, "address: is empty"),
    ]
    assert result.empty_rows == 2
    for rejected in result.rejected:
        assert "not-an-address" not in rejected.reason
    out = tmp_path / "rejected.csv"
    write_rejected(out, result.columns, result.rejected)
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["row", "reason", "name", "address", "email", "language"]
    assert rows[2] == [
        "4",
        "email: is not a valid e-mail address",
        "Bad Mail",
        "3 Street",
        "not-an-address",
        "en",
    ]


def test_strict_stops_at_the_first_bad_row(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", b"name,address\nA,1 Street\n,2 Street\nC,3 Street\n")
    with pytest.raises(AppealLettersError, match=r"s\.csv:row 3: name: is empty"):
        read_supporters(path, strict=True)


def test_missing_columns_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", b"email,city\nx@example.org,Paris\n")
    with pytest.raises(AppealLettersError, match="needs a name column"):
        read_supporters(path)


def test_markup_and_line_breaks_in_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.csv",
        (b'name,address\n"<b>{{ 7*7 }}</b>",1 Street\n"Two\nLines",2 Street\n'),
    )
    result = read_supporters(path)
    assert result.supporters[0].sender.name == "<b>{{ 7*7 }}</b>"
    assert [(r.row, r.reason) for r in result.rejected] == [
        (3, "name: has line breaks, control characters, bidi overrides or invisible characters")
    ]


def test_a_bad_town_or_postcode_is_named_by_its_own_column(tmp_path: Path) -> None:
    """Staff look in the column the reason names (the town line is built from several)."""
    path = write(
        tmp_path,
        "s.csv",
        "name,address,postcode,city\nA,1 Street,75001,Pa\u200bris\nB,2 Street,\u202e1,Lyon\n"
        "C,3 Street,,Ly\u202eon\n".encode(),
    )
    reasons = [r.reason.split(":")[0] for r in read_supporters(path).rejected]
    assert reasons == ["postcode, city or region"] * 3


def test_keys_are_stable_and_explicit_keys_win(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", b"ID,name,address\nS-17,A,1 Street\n,B,2 Street\n")
    first = read_supporters(path).supporters
    again = read_supporters(path).supporters
    assert first[0].key == "S-17"
    assert first[1].key == again[1].key and first[1].key.startswith("s")


def test_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Full name", "Address line 1", "ZIP", "City", "State", "Country"])
    sheet.append(["Grace Hopper", "1 Navy Way", 20001, "Washington", "DC", "US"])
    sheet.append([None, None, None, None, None, None])
    path = tmp_path / "supporters.xlsx"
    book.save(path)
    result = read_supporters(path)
    (supporter,) = result.supporters
    # A US town line as US mail writes it; the town alone for "I live in Washington, ...".
    assert supporter.sender.address == ["1 Navy Way", "Washington, DC 20001", "United States"]
    assert supporter.sender.country == "US" and supporter.sender.town == "Washington"
    assert result.empty_rows == 1


def test_yaml(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        (
            b"supporters:\n"
            b"  - name: Ana Lima\n    address: [Rua A 1, 1000-001 Lisboa]\n    country: PT\n"
            b"  - name: Bo\n"
        ),
    )
    result = read_supporters(path)
    assert result.supporters[0].sender.address == ["Rua A 1", "1000-001 Lisboa", "Portugal"]
    assert [(r.row, r.reason) for r in result.rejected] == [(2, "address: is empty")]
