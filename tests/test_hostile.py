"""Hostile and careless input: one line naming what is wrong and exit 1, never a traceback.

Each test here stands for a finding of an adversarial review (issue 11) and failed before
its fix.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeal_letters.cli import main
from appeal_letters.cli.common import printable

from .conftest import pdf_text
from .test_batch import PEOPLE, batch, supporters_csv

COMMANDS = [
    ["check"],
    ["languages"],
    ["render", "--sender", "sender.example.yaml"],
    ["batch", "--supporters", "s.csv", "--out", "out"],
    ["send", "--sender", "sender.example.yaml"],
    ["export", "--sender", "sender.example.yaml"],
    ["report"],
]


def one_error_line(output: str) -> str:
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, output
    return errors[0]


@pytest.mark.parametrize(
    "exc",
    [
        OSError(28, "No space left on device", "/tmp/x.ttf"),
        ValueError("month must be in 1..12"),
        MemoryError(),
        csv.Error("field larger than field limit (131072)"),
        AttributeError("'NoneType' object has no attribute 'get'"),
    ],
    ids=type,
)
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_any_unexpected_exception_is_one_line_and_exit_1(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], exc: Exception
) -> None:
    supporters_csv(workspace / "s.csv")

    def explode(*_: object, **__: object) -> None:
        raise exc

    monkeypatch.setattr("appeal_letters.cli.common.load_campaign", explode)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    line = one_error_line(result.stderr)
    if isinstance(exc, OSError):
        assert line == (
            "error: /tmp/x.ttf: No space left on device (a problem of the system: disk, "
            "permissions, limits)"
        )
    elif isinstance(exc, MemoryError):
        assert "out of memory" in line
    else:
        assert f"unexpected {type(exc).__name__}" in line and "APPEAL_LETTERS_DEBUG" in line


def test_the_debug_variable_shows_the_traceback(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPEAL_LETTERS_DEBUG", "1")
    monkeypatch.setattr(
        "appeal_letters.cli.common.load_campaign", lambda *a: (_ for _ in ()).throw(KeyError("k"))
    )
    result = CliRunner().invoke(main, ["check"])
    assert isinstance(result.exception, KeyError)


def test_control_and_bidi_characters_are_never_echoed_raw() -> None:
    assert printable("a\x1b]8;;http://x\x07b") == "a\\x1b]8;;http://x\\x07b"
    assert printable("Jane\u202eeoD") == "Jane\\u202eeoD"
    assert printable("x\u200by") == "x\\u200by"
    assert printable("two\nlines") == "two\nlines"
    assert printable("Zoë Ünal, 李小龍, مرحبا") == "Zoë Ünal, 李小龍, مرحبا"


def batch_error(workspace: Path, name: str, data: bytes) -> str:
    (workspace / name).write_bytes(data)
    code, out, err = batch("--supporters", name, "--out", "out")
    assert code == 1, out
    return one_error_line(err)


def test_a_cell_over_the_limit_names_its_row(workspace: Path) -> None:
    data = b"Name,Address\nAna,Rua 1\nBob," + b"x" * 200_000 + b"\n"
    line = batch_error(workspace, "s.csv", data)
    assert line == (
        "error: s.csv: row 3 (line 3): a cell longer than 20000 characters; check the quotes"
    )


def test_an_unterminated_quote_names_the_row_it_opened_in(workspace: Path) -> None:
    data = b'Name,Address\nAna,Rua 1\nBob,"2 Street\nCy,3 Road\nDee,4 Lane\n'
    line = batch_error(workspace, "s.csv", data)
    assert line.startswith("error: s.csv: row 3 (line 3): a quote opened on line 3"), line


def test_a_binary_file_named_xlsx_is_one_line(workspace: Path) -> None:
    line = batch_error(workspace, "s.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    assert line.startswith("error: s.xlsx: not a readable .xlsx workbook (BadZipFile)"), line


def test_an_alias_bomb_in_a_supporters_yaml_is_refused_quickly(workspace: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += (
            f"{'b' * i}: &{'b' * i} [*{'b' * (i - 1) if i > 1 else 'a'}"
            + (f", *{'b' * (i - 1) if i > 1 else 'a'}" * 8)
            + "]\n"
        )
    line = batch_error(workspace, "s.yaml", bomb.encode())
    assert "too many values (alias bomb?)" in line, line


def test_an_impossible_date_in_a_yaml_file_is_a_problem_with_its_position(
    workspace: Path,
) -> None:
    text = (workspace / "appeal.yaml").read_text(encoding="utf-8")
    text = text.replace("date: 2016-03-23", "date: 2016-13-45")
    assert "2016-13-45" in text
    (workspace / "appeal.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "'2016-13-45' is not a valid date" in result.stderr
    assert result.stderr.startswith("error: appeal.yaml:")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_supporters_files_are_read_and_named(
    workspace: Path, encoding: str
) -> None:
    text = "Name\tAddress\tCity\tCountry\nZoë Ünal\tRue du Lac 1\tGenève\tCH\n"
    (workspace / "s.csv").write_bytes(text.encode(encoding))
    code, out, err = batch("--supporters", "s.csv", "--out", "out", "--recipient", "president")
    assert code == 0, err
    assert "read as UTF-" in err
    assert "1 letter made" in out


def test_a_nul_byte_is_reported_at_its_line(workspace: Path) -> None:
    data = b"Name,Address\nAna,Rua 1\nBob,2 St\x00reet\n"
    line = batch_error(workspace, "s.csv", data)
    assert (
        line == "error: s.csv: line 3: a NUL byte; this is not a text file (save it as CSV, UTF-8)"
    )


def test_a_refused_second_batch_leaves_the_first_ones_files_alone(workspace: Path) -> None:
    import fcntl

    source = supporters_csv(workspace / "s.csv", extra=",no name street,Paris,FR,\n")
    (workspace / "out").mkdir()
    (workspace / "out" / "rejected.csv").write_text("the running batch's\n", encoding="utf-8")
    with (workspace / "out" / ".batch.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running batch holds it
        code, _, err = batch("--supporters", str(source), "--out", "out")
    assert code == 1 and "another batch is writing there" in err
    assert (workspace / "out" / "rejected.csv").read_text() == "the running batch's\n"


def test_formulas_are_neutralised_in_every_csv_written(workspace: Path) -> None:
    (workspace / "s.csv").write_text(
        "Id,Name,Address,City,Country,Email\n"
        '=1+1,"=HYPERLINK(""http://evil.example"",""x"")",1 Road,London,GB,\n'
        "@A1,@SUM(1+1),+44 Street,London,GB,\n"
        "-2+3,Ana Lima,Rua A 1,Lisboa,PT,nope\n",
        encoding="utf-8",
    )
    code, _, err = batch(
        "--supporters", "s.csv", "--out", "out", "--recipient", "president", "--no-bundles"
    )
    assert code == 0, err
    for name in ("manifest.csv", "rejected.csv"):
        with (workspace / "out" / name).open(encoding="utf-8-sig", newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        risky = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert risky == [], (name, risky)
        assert any(c.startswith("'") for c in cells), name  # kept, readable, inert
    manifest = (workspace / "out" / "manifest.csv").read_text(encoding="utf-8")
    assert "\n'=1+1," in manifest and "\n'@A1," in manifest
    assert "'-2+3" in (workspace / "out" / "rejected.csv").read_text(encoding="utf-8-sig")


def test_spoofing_names_are_set_aside_and_lookalikes_are_duplicates(workspace: Path) -> None:
    people = [
        ("Jane \u202eeoD", "1 Road", "London", "GB", ""),  # shows "Jane Doe" reversed
        ("No\u200bMail", "2 Road", "London", "GB", ""),  # a zero-width space
        ("No Mail", "3 Road", "London", "GB", ""),
        ("Ｎo  Mail", "3 Road", "London", "GB", ""),  # fullwidth N, two spaces: the same
        ("Ana Lima", "Rua A 1", "Lisboa", "PT", ""),
    ]
    source = supporters_csv(workspace / "s.csv", people)
    code, out, err = batch(
        "--supporters", str(source), "--out", "out", "--recipient", "president", "--no-bundles"
    )
    assert code == 0, err
    assert "2 supporters" in out and "3 rows rejected" in out
    assert "row 2: name: has line breaks, control characters, bidi overrides" in err
    assert "row 3: name: has line breaks, control characters, bidi overrides" in err
    assert "row 5: duplicate of row 4" in err
    assert "\u202e" not in err and "\u200b" not in err


BUNDLED = Path(__file__).resolve().parents[1] / "src" / "appeal_letters" / "templates"


def _with_template(workspace: Path, snippet: str) -> None:
    templates = workspace / "templates"
    templates.mkdir(exist_ok=True)
    letter = (BUNDLED / "letter.html.j2").read_text(encoding="utf-8")
    (templates / "letter.html.j2").write_text(
        letter.replace("</body>", snippet + "</body>", 1), encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("{% for i in range(100000000) %}{% endfor %}", "100000000 is too large an argument"),
        ("{{ 9 ** (9 ** 7) }}", "too large a number for a letter"),
        ("{{ 'x' * 10000000 }}", "a text or list of 10000000 items is too long"),
        ("{% for i in range(99999) %}{{ 'xxxxxxxxxx' }}{% endfor %}", "grows past 500000"),
        ("{{ 'x' | center(50000000) }}", "50000000 is too large an argument"),
        ("{{ '{:>80000000}'.format(1) }}", "80000000 items is too long for a letter"),
        ("{{ ('x' * 99999) | replace('x', 'xxxxxxxxxx') }}", "too long for a letter"),
    ],
    ids=["range", "power", "repeat", "runaway-loop", "center", "format", "replace"],
)
def test_a_hostile_template_is_stopped_with_one_line(
    workspace: Path, snippet: str, expected: str
) -> None:
    import time

    _with_template(workspace, snippet)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"])
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert expected in line and "letter.html.j2" in line, line


def test_a_template_link_out_of_the_folder_is_refused(workspace: Path) -> None:
    templates = workspace / "templates"
    templates.mkdir()
    (workspace / "secret.txt").write_text("the password is swordfish", encoding="utf-8")
    _with_template(workspace, "")
    (templates / "letter.css").symlink_to(workspace / "secret.txt")
    result = CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"])
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "outside the templates folder" in line and "letter.css" in line
    assert "swordfish" not in result.output
    assert not list(workspace.rglob("*.pdf"))


def test_a_dangling_out_link_is_named_as_such(workspace: Path) -> None:
    (workspace / "dangling").symlink_to(workspace / "nowhere")
    result = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--out", "dangling"]
    )
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert line == (
        f"error: dangling: a link to {workspace / 'nowhere'}, which does not exist; remove the "
        "link or create its target"
    )
    (workspace / "afile").write_text("", encoding="utf-8")
    supporters_csv(workspace / "s.csv")
    code, _, err = batch("--supporters", "s.csv", "--out", "afile/batch")
    assert code == 1 and one_error_line(err) == "error: afile: a file is in the way of the folder"


def test_an_svg_images_own_link_stops_the_render(workspace: Path) -> None:
    templates = workspace / "templates"
    templates.mkdir()
    (templates / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="20" height="20"><image xlink:href="file:///etc/hostname" width="9" height="9"/>'
        "</svg>",
        encoding="utf-8",
    )
    _with_template(workspace, f"<img alt='' src='{(templates / 'logo.svg').as_uri()}'>")
    result = CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"])
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "the template asks for 'file:///etc/hostname'" in line
    assert not list(workspace.rglob("*.pdf"))


def test_a_column_name_with_escape_sequences_is_shown_escaped(workspace: Path) -> None:
    (workspace / "s.csv").write_text(
        "Name,Address,City,Country,\x1b]8;;http://evil.example\x07Click\x1b[2J\n"
        "Ana,Rua 1,Lisboa,PT,x\n",
        encoding="utf-8",
    )
    code, _, err = batch("--supporters", "s.csv", "--out", "out", "--recipient", "president")
    assert code == 0, err
    assert "\x1b" not in err and "\x07" not in err
    assert "columns ignored: \\x1b]8;;http://evil.example\\x07Click\\x1b[2J" in err


@pytest.mark.slow
def test_a_file_size_limit_is_one_line(workspace: Path) -> None:
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("appeal-letters")),
            "render",
            "--sender",
            "sender.example.yaml",
            "--recipient",
            "president",
        ],
        cwd=workspace,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert "File too large" in line, line
    assert not list(workspace.rglob("01-president.pdf"))


def test_a_letter_that_takes_too_long_to_lay_out_is_stopped(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a template of one's own that WeasyPrint chews on for minutes: the limit is 60 s, made
    # tiny here so that any real layout trips it.
    monkeypatch.setattr("appeal_letters.render.renderer.LAYOUT_SECONDS", 0.001)
    result = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--recipient", "president"]
    )
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "took more than 0.001 s to lay out; check the template" in line, line
    assert not list(workspace.rglob("*.pdf"))


# Findings of an adversarial run against this session's build, each with its test.


def test_yaml_values_that_are_not_text_are_errors_at_their_position(workspace: Path) -> None:
    (workspace / "s.yaml").write_text(
        "- name: Kari Nordmann\n  address: Karl Johans gate 1\n  postcode: 0154\n"
        "  city: Oslo\n  country: NO\n"
        "- name: On\n  address: [1 Main St, 12:30]\n",
        encoding="utf-8",
    )
    code, _, err = batch("--supporters", "s.yaml", "--out", "out")
    assert code == 1 and "Traceback" not in err
    assert "error: s.yaml:3:3: [0].postcode: must be text; put the value in quotes" in err
    assert "s.yaml:5:3: [0].country: must be text" in err
    assert "s.yaml:6:3: [1].name: must be text" in err
    assert "s.yaml:7:3: [1].address: must be text" in err
    assert not (workspace / "out" / "manifest.csv").exists()


def test_two_columns_for_one_field_are_an_error(workspace: Path) -> None:
    (workspace / "s.csv").write_text(
        "Name,Address,Address,City\nAna,1 Road,Flat 2,London\n", encoding="utf-8"
    )
    code, _, err = batch("--supporters", "s.csv", "--out", "out")
    assert code == 1
    line = one_error_line(err)
    assert "columns 'Address' and 'Address' both give the address; rename one" in line


def test_a_row_with_more_cells_than_the_header_is_set_aside(workspace: Path) -> None:
    (workspace / "s.csv").write_text(
        "name,address,city,country\n"
        "John Smith,1 Main St, Apt 4,Boston MA 02134,US\n"
        'Jane Smith,"1 Main St, Apt 5",Boston MA 02134,US\n',
        encoding="utf-8",
    )
    code, out, err = batch(
        "--supporters", "s.csv", "--out", "out", "--recipient", "president", "--no-bundles"
    )
    assert code == 0, err
    assert "row 2: has 5 cells but the header has 4; a value with a comma must be in quotes" in err
    assert "1 supporter," in out and "1 row rejected" in out


@pytest.mark.parametrize("country", ["USA", "United States of America", "U.S.A."])
def test_common_country_spellings_choose_the_layout(workspace: Path, country: str) -> None:
    (workspace / "s.csv").write_text(
        f'name,address,city,country\nJane Smith,1 Main St,Boston MA 02134,"{country}"\n',
        encoding="utf-8",
    )
    code, _, err = batch(
        "--supporters", "s.csv", "--out", "out", "--recipient", "president", "--no-bundles"
    )
    assert code == 0, err
    [letter] = (workspace / "out" / "supporters").rglob("01-president.pdf")
    assert (
        "612 x 792"
        in subprocess.run(["pdfinfo", str(letter)], capture_output=True, text=True).stdout
    )  # US Letter


def test_an_unknown_country_is_a_rejected_row_not_a_silent_a4(workspace: Path) -> None:
    (workspace / "s.csv").write_text(
        "name,address,city,country\nJane Smith,1 Main St,Springfield,Freedonia\n",
        encoding="utf-8",
    )
    code, _, err = batch("--supporters", "s.csv", "--out", "out", "--recipient", "president")
    assert code == 1
    assert "row 2: country: not a country name or ISO code this tool knows" in err


def test_a_file_without_a_header_row_does_not_print_a_supporter(workspace: Path) -> None:
    (workspace / "s.csv").write_text(
        "Jane Roe,12 Secret Lane,jane.roe@example.org,+44 7700 900123\n", encoding="utf-8"
    )
    code, _, err = batch("--supporters", "s.csv", "--out", "out")
    assert code == 1
    line = one_error_line(err)
    assert "4 cells that look like data, not column names: is the header missing?" in line
    assert "Secret" not in err and "jane.roe" not in err and "7700" not in err


@pytest.mark.parametrize("blank", ["\u3164\u3164", "\u2800", "x\u034f", "\u17b5"])
def test_names_of_invisible_characters_are_refused(workspace: Path, blank: str) -> None:
    result = CliRunner().invoke(main, ["render", "--name", blank, "--address", "1 Road"])
    assert result.exit_code == 1
    assert "name: must be one line, without line breaks, control characters" in result.stderr
    assert not list(workspace.rglob("*.pdf"))


def test_batch_removes_only_its_own_temporary_files(workspace: Path) -> None:
    keep = workspace / "home" / "docs" / ".draft.tmp"
    keep.parent.mkdir(parents=True)
    keep.write_text("precious", encoding="utf-8")
    (workspace / "home" / ".notes.tmp").write_text("precious too", encoding="utf-8")
    stale = workspace / "home" / "bundles" / ".01-president.pdf.999.1.tmp"
    stale.parent.mkdir()
    stale.write_bytes(b"half a bundle")
    spilled = workspace / "home" / ".spill-k2x_9qaz.tmp"  # a spill's file, left by a kill
    spilled.write_bytes(b"records")
    supporters_csv(workspace / "s.csv")
    code, _, err = batch("--supporters", "s.csv", "--out", "home", "--recipient", "president")
    assert code == 0, err
    assert keep.read_text() == "precious"
    assert (workspace / "home" / ".notes.tmp").exists()
    assert not stale.exists() and not spilled.exists()
    assert not list((workspace / "home").glob(".spill-*"))  # the run's own spills: unlinked


def test_stale_bundles_of_an_earlier_run_are_removed(workspace: Path) -> None:
    supporters_csv(workspace / "s.csv")
    assert batch("--supporters", "s.csv", "--out", "out")[0] == 0
    bundles = workspace / "out" / "bundles"
    assert len(list(bundles.glob("*.pdf"))) == 10
    assert batch("--supporters", "s.csv", "--out", "out", "--recipient", "president")[0] == 0
    assert [p.name for p in bundles.glob("*.pdf")] == ["01-president.pdf"]


def test_damaged_progress_and_templates_are_one_line(workspace: Path) -> None:
    supporters_csv(workspace / "s.csv")
    args = ("--supporters", "s.csv", "--out", "out", "--recipient", "president")
    assert batch(*args)[0] == 0
    progress = workspace / "out" / "progress.jsonl"
    lines = progress.read_bytes().splitlines(keepends=True)
    progress.write_bytes(lines[0].replace(b'"', b'"\xff', 1) + b"".join(lines[1:]))
    code, out, err = batch(*args)
    assert code == 0, err
    assert "1 letter made, 5 already done" in out  # the damaged line's letter made again
    templates = workspace / "templates"
    templates.mkdir()
    (templates / "letter.html.j2").write_bytes(b"<p>Caf\xe9</p>")
    result = CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"])
    assert result.exit_code == 1
    assert "letter.html.j2: not UTF-8 text (byte 6); save the template as UTF-8" in (
        one_error_line(result.stderr)
    )


def test_a_paragraph_file_saved_with_a_bom_is_read(workspace: Path) -> None:
    (workspace / "p.txt").write_bytes("\ufeffI visited Grozny in 2013.\r\n".encode())
    result = CliRunner().invoke(
        main,
        ["render", "--sender", "sender.example.yaml", "--recipient", "president",
         "--paragraph-file", "p.txt"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [letter] = (workspace / "letters").rglob("01-president.pdf")
    assert (
        "I visited Grozny in 2013."
        in subprocess.run(["pdftotext", str(letter), "-"], capture_output=True, text=True).stdout
    )


def test_a_template_that_loops_for_ever_is_stopped(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("appeal_letters.compose.composer.COMPOSE_SECONDS", 1)
    _with_template(
        workspace, "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    )
    result = CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"])
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "filling in the template took more than 1 s" in line, line


def test_the_time_limit_holds_where_weasyprint_catches_it(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint catches every exception around an SVG image: the limit still stops the
    letter (its timer fires again, and the flag is read afterwards), and an outer alarm is
    put back."""
    import signal
    import time

    from weasyprint.svg import SVG

    def slow_draw(*args: object, **kwargs: object) -> None:
        time.sleep(3)

    monkeypatch.setattr(SVG, "draw", slow_draw)
    monkeypatch.setattr("appeal_letters.render.renderer.LAYOUT_SECONDS", 0.5)
    templates = workspace / "templates"
    templates.mkdir()
    (templates / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" '
        'height="9"/></svg>',
        encoding="utf-8",
    )
    _with_template(workspace, f"<img alt='' src='{(templates / 'logo.svg').as_uri()}'>")
    signal.setitimer(signal.ITIMER_REAL, 600)  # an outer alarm, as a test runner sets
    try:
        result = CliRunner().invoke(
            main, ["render", "--sender", "sender.example.yaml", "--recipient", "president"]
        )
        left, _ = signal.getitimer(signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    assert result.exit_code == 1
    assert "took more than 0.5 s to lay out" in one_error_line(result.stderr)
    assert 500 < left <= 600  # put back, less the time spent
    assert not list(workspace.rglob("*.pdf"))


def test_a_letter_dated_before_the_appeal_is_warned_about(workspace: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["render", "--sender", "sender.example.yaml", "--recipient", "president",
         "--date", "1900-01-01"],
    )  # fmt: skip
    assert result.exit_code == 0
    assert (
        "warning: the letters are dated 1900-01-01, before the appeal itself (2016-03-23); "
        "check --date" in result.stderr
    )


def test_a_broken_stylesheet_is_named_when_the_letter_no_longer_fits(workspace: Path) -> None:
    templates = workspace / "templates"
    templates.mkdir()
    css = (BUNDLED / "letter.css").read_text(encoding="utf-8")
    # A typo WeasyPrint ignores (with a warning) beside a size that no longer fits.
    (templates / "letter.css").write_text(
        css + "\nhtml { font-size: 30pt; }\np { colour: red; }\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"])
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "does not fit on one page" in line
    assert "first check what WeasyPrint said: Ignored `colour: red`" in line, line


def test_a_supporter_taken_off_the_file_has_their_letters_removed(workspace: Path) -> None:
    supporters_csv(workspace / "s.csv", PEOPLE[:3])
    args = ("--supporters", "s.csv", "--out", "out", "--recipient", "president")
    assert batch(*args)[0] == 0
    folders = sorted(p.name for p in (workspace / "out" / "supporters").iterdir())
    assert len(folders) == 3
    (workspace / "out" / "supporters" / "notes-by-staff").mkdir()  # not ours: left alone
    supporters_csv(workspace / "s.csv", [PEOPLE[0], PEOPLE[2]])
    code, out, err = batch(*args)
    assert code == 0, err
    assert "  removed the letters of 1 supporter no longer in the supporters file" in out
    left = sorted(p.name for p in (workspace / "out" / "supporters").iterdir())
    assert len(left) == 3 and "notes-by-staff" in left
    assert "Dupr" not in "".join(
        pdf_text(p) for p in (workspace / "out" / "supporters").rglob("*.pdf")
    )


def test_a_latin_postcode_after_an_arabic_street_keeps_its_order(workspace: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["render", "--name", "محمد أحمد", "--address", "شارع 12 رقم 5", "--address",
         "10115 Berlin", "--recipient", "president"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [letter] = (workspace / "letters").rglob("01-president.pdf")
    text = pdf_text(letter)
    assert "Berlin 10115" not in text
    assert text.count("10115 Berlin") == 2  # letterhead, return line (not under the signature)
