"""A file claims PDF/UA only where it passes pdfua (the machine-checkable part of PDF/UA-1).

Letters (laid out in full or drawn on a shared body, every language and layout: see also
test_shared.py) claim it and pass; bundles and per-supporter PDFs are print and fax jobs that
carry no structure tree, and they do not claim it.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import claims_pdfua, pdfua_problems
from .test_batch import PEOPLE, batch, supporters_csv


def test_every_seed_letter_claims_pdfua_and_passes(seed_letters: Path) -> None:
    letters = sorted(seed_letters.glob("*.pdf"))
    assert len(letters) == 10
    for letter in letters:
        assert claims_pdfua(letter), letter.name
        assert pdfua_problems(letter) == [], letter.name


def test_batch_letters_pass_and_bundles_do_not_claim(workspace: Path) -> None:
    source = supporters_csv(workspace / "s.csv", PEOPLE[:4])
    code, out, err = batch(
        "--supporters",
        str(source),
        "--out",
        "out",
        "--recipient",
        "president",
        "--recipient",
        "ambassador-belgium",
        "--per-supporter-pdf",
    )
    assert code == 0, err
    assert out.splitlines()[-1].startswith("No fallbacks")
    letters = sorted((workspace / "out" / "supporters").rglob("0*.pdf"))
    assert len(letters) == 8
    for letter in letters:
        assert claims_pdfua(letter), letter
        assert pdfua_problems(letter) == [], letter
    others = [
        *(workspace / "out" / "bundles").glob("*.pdf"),
        *(workspace / "out" / "supporters").rglob("all-letters.pdf"),
    ]
    assert len(others) == 6
    for other in others:
        assert not claims_pdfua(other), other
        assert any("UA-01-005" in p for p in pdfua_problems(other))  # untagged, as it says
