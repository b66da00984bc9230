"""Untrusted input: markup in names, hostile templates, URLs, file names."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from appeal_letters.assets import package_dir
from appeal_letters.compose import Composer
from appeal_letters.errors import OutputError, RenderError, TemplateError
from appeal_letters.files import atomic_write, safe_child, slugify
from appeal_letters.model import Campaign, Sender, sender_from_options
from appeal_letters.render import RenderOptions, write_letters

from .conftest import LETTER_DATE, pdf_text

ONE = RenderOptions(date=LETTER_DATE, recipient_ids=["president"], write_html=True)


def user_templates(tmp_path: Path, edit: str = "", css: str = "") -> Path:
    """A user's templates folder: the bundled letter with one line added."""
    folder = tmp_path / "templates"
    folder.mkdir()
    html = (package_dir("templates") / "letter.html.j2").read_text(encoding="utf-8")
    (folder / "letter.html.j2").write_text(
        html.replace('<main class="body">', '<main class="body">' + edit)
    )
    if css:
        bundled = (package_dir("templates") / "letter.css").read_text(encoding="utf-8")
        (folder / "letter.css").write_text(bundled + css)
    return folder


def test_markup_in_a_name_comes_out_literally(tmp_path: Path, campaign: Campaign) -> None:
    sender = sender_from_options("<b>{{ 7*7 }}</b>", ["<script>alert(1)</script>"], None)
    write_letters(campaign, sender, tmp_path, ONE)
    text = pdf_text(tmp_path / "01-president.pdf")
    assert "<b>{{ 7*7 }}</b>" in text
    assert "<script>alert(1)</script>" in text
    html = (tmp_path / "01-president.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in html
    assert "<b>" not in html
    assert ">49<" not in html


def test_user_templates_override_the_bundled_ones(
    tmp_path: Path, campaign: Campaign, sender: Sender
) -> None:
    folder = user_templates(tmp_path, edit="<p>Written with our local group.</p>")
    write_letters(campaign, sender, tmp_path / "out", ONE, user_templates=folder)
    assert "Written with our local group." in pdf_text(tmp_path / "out" / "01-president.pdf")


@pytest.mark.parametrize(
    "edit",
    [
        '<img src="http://127.0.0.1:9/tracker.png">',
        '<img src="file:///etc/hostname">',
        '<link rel="stylesheet" href="https://example.org/x.css">',
    ],
)
def test_template_cannot_fetch_outside_the_bundled_assets(
    tmp_path: Path, campaign: Campaign, sender: Sender, edit: str
) -> None:
    folder = user_templates(tmp_path, edit=edit)
    with pytest.raises(RenderError, match="only files in the templates and fonts folders"):
        write_letters(campaign, sender, tmp_path / "out", ONE, user_templates=folder)
    assert not (tmp_path / "out").exists()


def test_css_cannot_read_files_elsewhere(
    tmp_path: Path, campaign: Campaign, sender: Sender
) -> None:
    folder = user_templates(
        tmp_path,
        css='@font-face { font-family: X; src: url("../../etc/passwd"); }'
        "\nbody { font-family: X; }",
    )
    with pytest.raises(RenderError, match="the template asks for"):
        write_letters(campaign, sender, tmp_path / "out", ONE, user_templates=folder)


def test_assets_in_the_users_templates_folder_are_allowed(
    tmp_path: Path, campaign: Campaign, sender: Sender
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    shutil.copy(package_dir("fonts") / "NotoSerif-Italic.ttf", folder / "Own.ttf")
    css = f'@font-face {{ font-family: Own; src: url("{(folder / "Own.ttf").as_uri()}"); }}'
    bundled = (package_dir("templates") / "letter.css").read_text(encoding="utf-8")
    (folder / "letter.css").write_text(bundled + css + "\n.subject { font-family: Own; }\n")
    write_letters(campaign, sender, tmp_path / "out", ONE, user_templates=folder)
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "out" / "01-president.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Own" in fonts


def test_sandbox_blocks_python_internals(tmp_path: Path) -> None:
    folder = user_templates(tmp_path, edit="{{ appeal.__class__.__mro__[1].__subclasses__() }}")
    composer = Composer(folder)
    from appeal_letters.model import load_campaign

    root = Path(__file__).resolve().parents[1]
    campaign = load_campaign(root / "appeal.yaml", [root / "recipients.yaml"])
    sender = sender_from_options("Jane", ["Street"], None)
    with pytest.raises(TemplateError, match=r"letter\.html\.j2"):
        composer.compose(campaign, campaign.recipients[0], sender, date=LETTER_DATE)


def test_missing_template_variable_names_file_and_line(
    tmp_path: Path, campaign: Campaign, sender: Sender
) -> None:
    folder = user_templates(tmp_path, edit="\n<p>{{ supporter_town }}</p>")
    with pytest.raises(TemplateError) as info:
        write_letters(campaign, sender, tmp_path / "out", ONE, user_templates=folder)
    message = str(info.value)
    assert "letter.html.j2:" in message
    assert "'supporter_town' is undefined" in message
    line = int(message.split("letter.html.j2:")[1].split(":")[0])
    source = (folder / "letter.html.j2").read_text(encoding="utf-8").splitlines()
    assert "supporter_town" in source[line - 1]


def test_template_syntax_error(tmp_path: Path) -> None:
    folder = user_templates(tmp_path, edit="{% if %}")
    with pytest.raises(TemplateError, match=r"letter.html.j2:\d+: template syntax"):
        Composer(folder)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("RUS 004 / 1214 / OBS 093.1", "rus-004-1214-obs-093-1"),
        ("../../etc/passwd", "etc-passwd"),
        ("Генпрокуратура", "letter"),
        ("Égypte: appel", "egypte-appel"),
    ],
)
def test_slugs_are_safe_ascii(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("name", ["../x.pdf", "a/b.pdf", ".hidden", "", "x..pdf"])
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError):
        safe_child(tmp_path, name)


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "letter.pdf"
    atomic_write(target, b"old")
    (tmp_path / "blocked.pdf").mkdir()
    with pytest.raises(OutputError, match=r"blocked\.pdf"):
        atomic_write(tmp_path / "blocked.pdf", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.pdf", "letter.pdf"]
    assert target.read_bytes() == b"old"
