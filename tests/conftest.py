"""Shared fixtures: a copy of the seed workspace and the seed letters rendered once."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from appeal_letters.model import Campaign, Sender, load_campaign, load_sender
from appeal_letters.render import RenderOptions, write_letters

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = ("appeal.yaml", "recipients.yaml", "sender.example.yaml")
LETTER_DATE = dt.date(2026, 11, 26)


#: A name too long for the one line the signature zone keeps (it wraps).
LONG_NAME = (
    "Maria da Conceição Vasconcelos de Albuquerque Sousa Menezes Bragança e Orléans "
    "Saxe-Coburgo Gotha"
)


#: The template's three wordings of each lead-in (compose/wording.py), by the reader's role.
LEAD_INS = {
    "authority": (
        "I therefore respectfully urge you to:",
        "I respectfully ask you to:",
        "I call on you to:",
    ),
    "advocate": (
        "I therefore ask you to urge the authorities of the Russian Federation to:",
        "I ask you to call on the authorities of the Russian Federation to:",
        "Please use your influence to urge the authorities of the Russian Federation to:",
    ),
    "intermediary": (
        "I would be grateful if you would convey to the authorities of the Russian Federation "
        "my request that they:",
        "I ask you to transmit to the authorities of the Russian Federation my request that they:",
        "Please convey to the authorities of the Russian Federation my request that they:",
    ),
}


def squash(text: str) -> str:
    """Text with whitespace and hyphens removed, so line breaks and hyphenation do not matter;
    typographic apostrophes read as straight ones (the letters set them, the YAML has them
    straight)."""
    return re.sub(r"[\s\-\u2010\u2011\u00ad]+", "", text).replace("\u2019", "'")


BIDI_AND_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u064b-\u0652]")


def arabic_squash(text: str) -> str:
    """:func:`squash`, also without bidi controls (pdftotext adds them) and Arabic vowel marks."""
    return squash(BIDI_AND_MARKS.sub("", text))


def pdf_text(path: Path) -> str:
    """The text a reader gets from the PDF, via poppler's pdftotext (what a fax gateway sees)."""
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def read_back(pdf: bytes, tmp_path: Path, name: str) -> tuple[str, bytes, str]:
    """A PDF as a reader gets it: text (pdftotext -layout), pixels (pdftoppm, 60 dpi, grey)
    and fonts (pdffonts)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pixels = subprocess.run(
        ["pdftoppm", "-gray", "-r", "60", str(path)], capture_output=True, check=True
    ).stdout
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return text, pixels, fonts


def page_count(path: Path) -> int:
    return len(pypdf.PdfReader(path).pages)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the seed workspace as the current directory."""
    for name in SEED_FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def campaign() -> Campaign:
    return load_campaign(ROOT / "appeal.yaml", [ROOT / "recipients.yaml"])


@pytest.fixture(scope="session")
def sender() -> Sender:
    return load_sender(ROOT / "sender.example.yaml")


@pytest.fixture(scope="session")
def seed_letters(
    tmp_path_factory: pytest.TempPathFactory, campaign: Campaign, sender: Sender
) -> Path:
    """The ten seed letters, rendered once for the whole session."""
    out = tmp_path_factory.mktemp("seed-letters")
    write_letters(campaign, sender, out, RenderOptions(date=LETTER_DATE))
    return out


#: Rules pdfua 0.1.3 cannot evaluate on files written with pikepdf 10 (its heading check calls
#: an API pikepdf changed); anything else it skips is a failure.
PDFUA_UNEVALUATED = {"UA-14-001"}


def pdfua_problems(path: Path) -> list[str]:
    """What pdfua (the machine-checkable subset of PDF/UA-1) finds in a file, as lines.

    Errors and warnings count; so does a rule it could not evaluate, beyond the known one.
    """
    from pdfua import Severity, validate

    report = validate(str(path))
    problems = [
        f"{f.rule_id} {f.severity.name}: {f.message}"
        for f in report.findings
        if f.severity >= Severity.WARNING
    ]
    problems += [
        f"{o.rule_id} not evaluated: {o.skipped_reason}"
        for o in report.skipped
        if o.rule_id not in PDFUA_UNEVALUATED
    ]
    return problems


def claims_pdfua(path: Path) -> bool:
    """Whether the file declares PDF/UA conformance in its XMP metadata."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        metadata = pdf.Root.get("/Metadata")
        return metadata is not None and b"pdfuaid:part" in metadata.read_bytes()


def give_the_interior_minister_a_postal_address(workspace: Path) -> None:
    """The Interior Minister's office (a fax to Moscow in doubt) with a postal address, so that
    its letters go by post (for tests of print packs and posting)."""
    path = workspace / "recipients.yaml"
    text = path.read_text(encoding="utf-8")
    fax = '      fax: "+ 7 495 637 49 25"\n'
    path.write_text(
        text.replace(fax, fax + '    address: ["ul. Zhitnaya 16", "Moscow 119049"]\n', 1),
        encoding="utf-8",
    )
