"""No silent degradation: every letter or bundle that leaves the fast path is counted and named.

A batch says in ``summary.txt`` and its last lines how many letters were laid out in full
instead of on their shared body (and why), drawn without the supporter's tags (no PDF/UA
claim), or copied into a bundle page by page; ``--strict-fast`` makes any of that an error.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from appeal_letters.batch.progress import Done, progress_log, read_progress
from appeal_letters.cli import main
from appeal_letters.pdf import write_bundle
from appeal_letters.pdf.assemble import MARK

from .conftest import LONG_NAME, pdf_text
from .test_batch import COMMAND, PEOPLE, batch, supporters_csv

#: A name too long for the one line the signature zone keeps.
WORDY = (
    LONG_NAME,
    "1 Road",
    "Lisboa",
    "PT",
    "",
)


def test_a_clean_batch_says_it_had_no_fallbacks(workspace: Path) -> None:
    source = supporters_csv(workspace / "s.csv", PEOPLE[:2])
    code, out, err = batch("--supporters", str(source), "--out", "out", "--recipient", "president")
    assert code == 0, err
    assert out.splitlines()[-1] == "No fallbacks: every letter took the fast path."
    assert (workspace / "out" / "summary.txt").read_text(encoding="utf-8") == out


def test_a_letter_laid_out_in_full_instead_of_on_its_body_is_counted(workspace: Path) -> None:
    source = supporters_csv(workspace / "s.csv", [PEOPLE[0], WORDY])
    code, out, err = batch("--supporters", str(source), "--out", "out", "--recipient", "president")
    assert code == 0, err
    lines = out.splitlines()
    assert (
        "  fallback: 1 letter laid out in full instead of on the shared body (about 20x slower): "
        "the signature lines overflow the signature zone"
    ) in lines
    assert lines[-1] == "1 fallback, listed above (--strict-fast makes it an error)."
    assert "fallback" in (workspace / "out" / "summary.txt").read_text(encoding="utf-8")
    assert len((workspace / "out" / "manifest.csv").read_text().splitlines()) == 3  # still made


def test_strict_fast_stops_at_a_fallback_with_one_line(workspace: Path) -> None:
    source = supporters_csv(workspace / "s.csv", [PEOPLE[0], WORDY])
    result = subprocess.run(
        [*COMMAND, "--supporters", str(source), "--out", "out", "--strict-fast"],
        cwd=workspace,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "left the fast path: the signature lines overflow the signature zone" in errors[0]
    assert "--strict-fast" in errors[0]
    assert "Conceição" not in result.stderr  # the supporter is named by file, not by name
    # What was made is kept: a run without the flag finishes the batch.
    again = subprocess.run(
        [*COMMAND, "--supporters", str(source), "--out", "out"],
        cwd=workspace,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert again.returncode == 0, again.stderr
    # Stopped at the wordy supporter's first letter: Ana's ten and that one are kept.
    assert "9 letters made, 11 already done" in again.stdout
    assert again.stdout.splitlines()[-1].startswith("9 fallbacks, listed above")


def test_a_personal_paragraph_is_full_layout_by_design_not_a_fallback(workspace: Path) -> None:
    source = workspace / "s.csv"
    source.write_text(
        "Name,Address,City,Country,Paragraph\n"
        "Ana Lima,Rua A 1,Lisboa,PT,I visited Chechnya in 2013.\n",
        encoding="utf-8",
    )
    code, out, err = batch("--supporters", str(source), "--out", "out", "--recipient", "president")
    assert code == 0, err
    assert "  1 letter laid out in full (a personal paragraph)" in out.splitlines()
    assert out.splitlines()[-1].startswith("No fallbacks")


def test_letters_without_the_supporters_tags_are_counted(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As with a template of one's own whose structure tree cannot be joined: the supporter's
    # struct elements cannot be planned, so the letter is drawn untagged and claims no PDF/UA.
    monkeypatch.setattr("appeal_letters.batch.bodies.part_tags", lambda *args: None)
    source = supporters_csv(workspace / "s.csv", PEOPLE[:2])
    code, out, err = batch("--supporters", str(source), "--out", "out", "--recipient", "president")
    assert code == 0, err
    assert (
        "  fallback: 2 letters drawn on the shared body without the supporter's tags: they do "
        "not claim PDF/UA (a template of your own?)"
    ) in out.splitlines()
    for letter in (workspace / "out" / "supporters").rglob("01-president.pdf"):
        with pikepdf.open(letter) as pdf:
            assert b"pdfuaid:part" not in pdf.Root.Metadata.read_bytes()


def test_a_bundle_reports_letters_it_had_to_copy_page_by_page(workspace: Path) -> None:
    source = supporters_csv(workspace / "s.csv", PEOPLE[:3])
    code, _, err = batch(
        "--supporters", str(source), "--out", "out", "--recipient", "president", "--no-bundles"
    )
    assert code == 0, err
    letters = sorted((workspace / "out" / "supporters").rglob("01-president.pdf"))
    good = [path.read_bytes() for path in letters]
    # The same letter with one byte of its shared part changed: its digest no longer matches.
    start = good[1].index(MARK)
    tampered = good[1][: start - 20] + b" " + good[1][start - 19 :]
    report = write_bundle(workspace / "b.pdf", [good[0], tampered, good[2]])
    assert report.from_bodies == 2
    assert dict(report.fallbacks) == {"the letter's bytes do not match its identifier": 1}
    with pikepdf.open(workspace / "b.pdf") as pdf:
        assert len(pdf.pages) == 3


def test_a_progress_line_cut_by_a_kill_does_not_swallow_the_next(tmp_path: Path) -> None:
    done = Done("s1", "president", "a.pdf", 1, "0" * 64, "f" * 64, "fax", "en")
    (tmp_path / "progress.jsonl").write_text(json.dumps(done.__dict__)[:30], encoding="utf-8")
    with progress_log(tmp_path) as log:
        log.record(done)
    assert read_progress(tmp_path) == {("s1", "president"): done}


def test_a_name_no_font_can_draw_is_an_error_naming_the_characters(workspace: Path) -> None:
    result = CliRunner().invoke(
        main,
        # Ol Chiki: neither the bundled faces nor the system's have it.
        ["render", "--name", "ᱚᱞ Lee", "--address", "1 Road", "--recipient", "president"],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and "no font has 'ᱚ' (U+1C5A), 'ᱞ' (U+1C5E)" in line, line
    assert not (workspace / "letters").exists() or not list((workspace / "letters").rglob("*.pdf"))


def test_in_a_batch_such_a_supporter_fails_and_the_others_stay_fast(workspace: Path) -> None:
    people = [PEOPLE[0], ("ᱚᱞ Lee", "1 Road", "London", "GB", ""), PEOPLE[1]]
    source = supporters_csv(workspace / "s.csv", people)
    code, out, _ = batch("--supporters", str(source), "--out", "out", "--recipient", "president")
    assert code == 1
    assert "  failed: row 3, president: the letter to president: no font has" in out
    # The two others were drawn on the shared body: the failed letter is no fallback.
    assert "2 letters made" in out and "1 failed" in out
    assert out.splitlines()[-1] == "No fallbacks: every letter took the fast path."
    assert len((workspace / "out" / "manifest.csv").read_text().splitlines()) == 3


def test_weasyprint_warnings_reach_the_user_per_letter(workspace: Path) -> None:
    templates = workspace / "templates"
    templates.mkdir()
    bundled = Path(__file__).resolve().parents[1] / "src" / "appeal_letters" / "templates"
    css = (bundled / "letter.css").read_text(encoding="utf-8")
    (templates / "letter.css").write_text(css + "\n.x { unicode-bidi: embed; }\n", "utf-8")
    result = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--recipient", "president"]
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: letter to president: WeasyPrint: Ignored `unicode-bidi: embed`" in result.stderr
    )
    source = supporters_csv(workspace / "s.csv", PEOPLE[:2])
    code, out, _ = batch("--supporters", str(source), "--out", "out", "--recipient", "president")
    assert code == 0
    assert "laid out with WeasyPrint's warning: Ignored `unicode-bidi: embed` at" in out


def test_a_chinese_name_is_drawn_with_the_systems_font_and_the_fallback_counted(
    workspace: Path,
) -> None:
    # fonts-droid-fallback (installed by scripts/setup.sh) draws it through fontconfig; the
    # byte writer knows only the bundled faces, so that letter is laid out in full, and said so.
    people = [PEOPLE[0], ("李小龍 Lee", "1 Road", "London", "GB", "")]
    source = supporters_csv(workspace / "s.csv", people)
    code, out, err = batch("--supporters", str(source), "--out", "out", "--recipient", "president")
    assert code == 0, err
    assert "is not one of the bundled fonts" in out
    assert out.splitlines()[-1] == "1 fallback, listed above (--strict-fast makes it an error)."
    rows = (workspace / "out" / "manifest.csv").read_text(encoding="utf-8").splitlines()
    letter = workspace / "out" / rows[2].split(",")[4]
    assert "李小龍 Lee" in pdf_text(letter)
    fonts = subprocess.run(["pdffonts", str(letter)], capture_output=True, text=True).stdout
    assert "Droid" in fonts


def test_a_return_address_too_long_for_the_window_fails_that_supporter_alone(
    workspace: Path,
) -> None:
    """Never a return line cut with "…": set whole in 7 to 6 pt, or an error for that supporter
    (the others are made on the shared body, no group falls back for them)."""
    endless = (
        "Endless Address",
        "Building 1, Long Street Name Quarter\nBuilding 2, Long Street Name Quarter\n"
        "Building 3, Long Street Name Quarter\nBuilding 4, Long Street Name Quarter",
        "Lisboa",
        "PT",
        "",
    )
    source = supporters_csv(workspace / "s.csv", [PEOPLE[0], endless, PEOPLE[1]])
    code, out, err = batch(
        "--supporters", str(source), "--out", "out",
        "--recipient", "president", "--recipient", "prosecutor-general",
    )  # fmt: skip
    assert code == 1
    assert "Traceback" not in err
    # One line for the supporter, not one per letter.
    [failed] = [line for line in out.splitlines() if line.startswith("  failed:")]
    assert failed.startswith("  failed: row 3, 2 letters: sender: the return address")
    assert "at 6 pt" in failed and "shorten the address lines by about" in failed
    assert "Long Street Name Quarter" not in out + err  # the address is not echoed
    assert out.splitlines()[-1] == "No fallbacks: every letter took the fast path."
    assert (
        len((workspace / "out" / "manifest.csv").read_text().splitlines()) == 5
    )  # 2 supporters x 2 letters
