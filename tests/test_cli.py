"""The command line, through click's CliRunner and as a real process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from appeal_letters.cli import main

from .conftest import ROOT, arabic_squash, page_count, pdf_text

GOLDEN = Path(__file__).parent / "data"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_lists_channels_and_warns_about_the_ombudsman(workspace: Path) -> None:
    code, out, err = run("check")
    assert code == 0
    assert out == (GOLDEN / "check.txt").read_text(encoding="utf-8")
    assert "warning: ombudsman: Ms Ella Pamfilova has no fax, e-mail, web form or postal" in err
    # The Moscow offices' faxes may not arrive and the appeal gives no postal address: one
    # line names them all (nothing invented); the embassies abroad are not in it.
    doubt = next(line for line in err.splitlines() if "which may not arrive" in line)
    assert doubt.startswith("warning: president, prosecutor-general, interior-minister, ")
    assert "ambassador" not in doubt and "add each office's postal address" in doubt


def test_render_writes_ten_letters_in_the_default_folder(workspace: Path) -> None:
    code, out, _ = run("render", "--sender", "sender.example.yaml", "--date", "2026-11-26")
    assert code == 0, out
    folder = workspace / "letters" / "rus-004-1214-obs-093-1"
    assert len(list(folder.glob("*.pdf"))) == 10
    assert "10 letters written to letters/rus-004-1214-obs-093-1/" in out
    assert "06-ombudsman.pdf" in out and "no channel" in out
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["letters"]) == 10


def test_render_with_sender_on_the_command_line(workspace: Path) -> None:
    code, _, err = run(
        "render",
        "--name",
        "Marie Curie",
        "--address",
        "1 rue Pierre et Marie Curie",
        "--address",
        "75005 Paris",
        "--email",
        "marie@example.org",
        "--recipient",
        "president",
        "--recipient",
        "ambassador-belgium",
        "--paper",
        "letter",
        "--paragraph",
        "As a scientist, I know how much free civil society matters.",
        "--out",
        "mine",
        "--date",
        "2026-11-26",
    )
    assert code == 0, err
    files = sorted(p.name for p in (workspace / "mine").glob("*.pdf"))
    assert files == ["01-president.pdf", "09-ambassador-belgium.pdf"]
    text = pdf_text(workspace / "mine" / "09-ambassador-belgium.pdf")
    assert "Marie Curie" in text and "75005 Paris" in text
    assert "free civil society matters" in text.replace("\n", " ")


def test_paragraph_from_a_file(workspace: Path) -> None:
    (workspace / "mine.txt").write_text("My own words, from a file.\n", encoding="utf-8")
    code, _, err = run(
        "render",
        "--sender",
        "sender.example.yaml",
        "--paragraph-file",
        "mine.txt",
        "--recipient",
        "president",
        "--out",
        "out",
    )
    assert code == 0, err
    assert "My own words, from a file." in pdf_text(workspace / "out" / "01-president.pdf")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render"], "error: who signs? give --sender sender.yaml"),
        (["render", "--name", "Jane"], "error: --name needs --address too"),
        (
            ["render", "--sender", "sender.example.yaml", "--recipient", "presidnet"],
            "error: no recipient has the id 'presidnet'; did you mean 'president'?",
        ),
        (
            ["render", "--sender", "missing.yaml"],
            "error: missing.yaml:1:1: cannot read the file: No such file or directory",
        ),
        (
            ["check", "--appeal", "nope.yaml"],
            "error: nope.yaml:1:1: cannot read the file: No such file or directory",
        ),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    workspace: Path, args: list[str], message: str
) -> None:
    code, out, err = run(*args)
    assert code == 1
    assert err.splitlines()[0] == message or err.startswith(message)
    assert "Traceback" not in out + err


def test_bad_recipients_file_lists_every_problem(workspace: Path) -> None:
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    text = text.replace('fax: "+7 495 692 17 25"', 'fax: "+7 495 692"').replace(
        "    office: minister\n", "    office: minster\n", 1
    )
    (workspace / "recipients.yaml").write_text(text, encoding="utf-8")
    code, _, err = run("render", "--sender", "sender.example.yaml")
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("error: recipients.yaml:")
    assert "recipients[1].channels.fax: '+7 495 692' is not a valid phone number" in lines[0]
    assert "recipients[2].office: must be one of" in lines[1]
    assert lines[2] == "2 problems found; fix them and run again."
    assert not (workspace / "letters").exists()


def test_letter_too_long_is_reported(workspace: Path) -> None:
    code, _, err = run(
        "render",
        "--sender",
        "sender.example.yaml",
        "--recipient",
        "president",
        "--paragraph",
        "This matters. " * 200,
    )
    assert code == 1
    assert err.startswith("error: the letter to president does not fit on one page")


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("appeal-letters, version ")
    code, out, _ = run("render", "--help")
    assert "--paper [a4|letter]" in out


def test_cli_reference_in_docs_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_installed_wheel_renders_letters_in_a_real_process(tmp_path: Path, workspace: Path) -> None:
    """Build the wheel, install it alone into a new environment, and run the command there.

    The new environment sees the test environment's dependencies (site-packages on a .pth
    path) but not the source tree, so templates and fonts must come from the wheel itself.
    """
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("appeal_letters-*.whl")
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "test-deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    result = subprocess.run(
        [
            str(env_dir / "bin" / "appeal-letters"),
            "render",
            "--sender",
            "sender.example.yaml",
            "--date",
            "2026-11-26",
            "--out",
            "from-wheel",
        ],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    origin = subprocess.run(
        [str(python), "-c", "import appeal_letters; print(appeal_letters.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert str(env_dir) in origin
    pdfs = sorted((workspace / "from-wheel").glob("*.pdf"))
    assert len(pdfs) == 10
    assert all(page_count(p) == 1 for p in pdfs)

    for language, salutation in (("fr", "Monsieur le Président,"), ("ar", "فخامة الرئيس،")):
        localized = subprocess.run(
            [
                str(env_dir / "bin" / "appeal-letters"),
                "render",
                "--sender",
                "sender.example.yaml",
                "--language",
                language,
                "--recipient",
                "president",
                "--out",
                f"wheel-{language}",
            ],
            cwd=workspace,
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        assert localized.returncode == 0, localized.stderr
        text = pdf_text(workspace / f"wheel-{language}" / "01-president.pdf")
        assert arabic_squash(salutation) in arabic_squash(text)

    bad = subprocess.run(
        [str(env_dir / "bin" / "appeal-letters"), "check", "--appeal", "recipients.yaml"],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: recipients.yaml:")
    assert "Traceback" not in bad.stderr


def test_readme_error_example_is_what_the_command_prints(workspace: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("for example:\n\n```text\n", 1)[1].split("```", 1)[0]
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    text = text.replace('fax: "+7 495 692 17 25"', 'fax: "+7 495 692"').replace(
        "    office: minister\n", "    office: minster\n", 1
    )
    (workspace / "recipients.yaml").write_text(text, encoding="utf-8")
    code, _, err = run("check")
    assert code == 1
    assert err == example


def test_missing_template_variable_is_one_line_with_file_and_line(workspace: Path) -> None:
    (workspace / "templates").mkdir()
    bundled = (ROOT / "src" / "appeal_letters" / "templates" / "letter.html.j2").read_text(
        encoding="utf-8"
    )
    (workspace / "templates" / "letter.html.j2").write_text(
        bundled.replace("{{ closing }}", "{{ closing_line }}"), encoding="utf-8"
    )
    code, _, err = run("render", "--sender", "sender.example.yaml")
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith("error: ") and "templates/letter.html.j2:" in line
    assert "'closing_line' is undefined" in line
    assert not (workspace / "letters").exists()


def test_languages_lists_coverage(workspace: Path) -> None:
    code, out, _ = run("languages")
    assert code == 0
    assert out.splitlines() == [
        "  en  catalog and forms; the appeal's own text",
        *(
            f"  {lang}  catalog and forms; translation by the appeal-letters developers, from "
            "the English; not the issuer's text, to be reviewed"
            for lang in ("fr", "es", "ru", "ar")
        ),
        "Recipients' languages: en",
    ]


def test_render_in_french_and_fallback_warning(workspace: Path) -> None:
    french = (
        "render",
        "--sender",
        "sender.example.yaml",
        "--language",
        "fr",
        "--recipient",
        "president",
    )
    code, _, err = run(*french, "--out", "fr")
    assert code == 0, err
    assert "Monsieur le Président," in pdf_text(workspace / "fr" / "01-president.pdf")
    text = (workspace / "appeal.yaml").read_text(encoding="utf-8")
    without = text[: text.index("\ntranslations:")] + "\n"
    (workspace / "appeal.yaml").write_text(without, encoding="utf-8")
    _, out, _ = run("languages")
    assert "  fr  catalog and forms; letters fall back to en; missing translations.fr" in out
    code, _, err = run(*french, "--out", "fr2")
    assert code == 0
    assert (
        "warning: letter to president is in 'en', not 'fr': the appeal lacks translations.fr"
        in err.splitlines()
    )


def _x_of(pdf: Path, word: str) -> float:
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return next(
        float(x) for x, w in re.findall(r'xMin="([\d.]+)"[^>]*>([^<]*)<', bbox) if w == word
    )


def test_layout_follows_the_senders_country(workspace: Path) -> None:
    base = [
        "render",
        "--name",
        "Marie Dupont",
        "--address",
        "12 rue des Lilas",
        "--address",
        "75011 Paris",
        "--recipient",
        "president",
        "--date",
        "2026-11-26",
    ]
    assert run(*base, "--country", "FR", "--out", "fr")[0] == 0
    assert run(*base, "--country", "DE", "--out", "de")[0] == 0
    assert run(*base, "--country", "US", "--out", "us")[0] == 0
    french, german = workspace / "fr" / "01-president.pdf", workspace / "de" / "01-president.pdf"
    # The recipient's name sits in the right-hand window in France, the left-hand one elsewhere.
    assert _x_of(french, "Putin") > 300 > _x_of(german, "Putin")
    box = pypdf.PdfReader(workspace / "us" / "01-president.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert run(*base, "--country", "FR", "--layout", "din", "--out", "forced")[0] == 0
    assert _x_of(workspace / "forced" / "01-president.pdf", "Putin") < 300


def test_layout_and_paper_must_agree(workspace: Path) -> None:
    code, _, err = run(
        "render", "--sender", "sender.example.yaml", "--layout", "fr", "--paper", "letter"
    )
    assert code == 1
    assert err == "error: the fr layout is not for letter paper\n"
