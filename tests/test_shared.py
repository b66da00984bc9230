"""The shared-body path must give the very letter that full layout gives."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pypdf
import pytest

from appeal_letters.compose import Composer, Layout
from appeal_letters.letters import RenderOptions, render_letter
from appeal_letters.load import sender_from_options
from appeal_letters.models import Campaign, Sender
from appeal_letters.pdf import PdfRenderer
from appeal_letters.shared import compose, layout_body, layout_personal

from .conftest import LETTER_DATE

OTHER = sender_from_options(
    "Zoë Ünal-Øster", ["Rue du Lac 1", "1200 Genève", "Suisse"], "zoe@example.org"
)


@pytest.fixture(scope="module")
def tools() -> tuple[Composer, PdfRenderer]:
    return Composer(), PdfRenderer()


def read(pdf: bytes, tmp_path: Path, name: str) -> tuple[str, bytes, str]:
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


@pytest.mark.parametrize("language", ["en", "fr", "es", "ru", "ar"])
@pytest.mark.parametrize("layout", ["din", "fr", "us"])
def test_shared_body_letter_equals_the_full_letter(
    tmp_path: Path,
    campaign: Campaign,
    sender: Sender,
    tools: tuple[Composer, PdfRenderer],
    language: str,
    layout: Layout,
) -> None:
    composer, renderer = tools
    for recipient in (campaign.recipients[1], campaign.recipients[8]):
        body = layout_body(
            composer,
            renderer,
            campaign,
            recipient,
            date=LETTER_DATE,
            layout=layout,
            language=language,
        )
        for who in (sender, OTHER):
            full = render_letter(
                composer,
                renderer,
                campaign,
                recipient,
                who,
                RenderOptions(date=LETTER_DATE, layout=layout, language=language),
            )
            [part] = layout_personal(
                composer,
                renderer,
                campaign,
                recipient,
                [who],
                date=LETTER_DATE,
                layout=layout,
                language=body.language,
                font_scale=body.font_scale,
            )
            shared = compose(body, part, who)
            assert body.font_scale == full.font_scale
            full_text, full_pixels, _ = read(full.pdf, tmp_path, "full")
            text, pixels, fonts = read(shared, tmp_path, "shared")
            assert text == full_text, (recipient.id, who.name)
            assert pixels == full_pixels, (recipient.id, who.name)
            rows = [line.split() for line in fonts.splitlines()[2:]]
            assert rows and all(row[-5] == "yes" for row in rows)  # every font embedded
            names = Counter(row[0] for row in rows)
            assert max(names.values()) == 1, f"subset names clash: {names}"
            reader = pypdf.PdfReader(tmp_path / "shared.pdf")
            assert len(reader.pages) == 1
            assert reader.metadata is not None and reader.metadata.author == who.name
            assert reader.trailer["/Root"]["/Lang"] == body.language


def test_a_long_address_needs_the_full_layout(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    composer, renderer = tools
    wordy = sender_from_options(
        "Jane Doe", [f"Building {i}, Long Street Name Quarter" for i in range(6)], None
    )
    recipient = campaign.recipients[0]
    body = layout_body(
        composer, renderer, campaign, recipient, date=LETTER_DATE, layout="din", language="en"
    )
    parts = layout_personal(
        composer,
        renderer,
        campaign,
        recipient,
        [sender_from_options("A B", ["1 Road"], None), wordy, OTHER],
        date=LETTER_DATE,
        layout="din",
        language="en",
        font_scale=body.font_scale,
    )
    # Only the supporter whose lines overflow the signature zone is laid out in full.
    assert [part is None for part in parts] == [False, True, False]


def test_shared_letter_is_tagged_but_does_not_claim_pdf_ua(
    tmp_path: Path, campaign: Campaign, sender: Sender, tools: tuple[Composer, PdfRenderer]
) -> None:
    composer, renderer = tools
    recipient = campaign.recipients[0]
    body = layout_body(
        composer, renderer, campaign, recipient, date=LETTER_DATE, layout="din", language="en"
    )
    [part] = layout_personal(
        composer,
        renderer,
        campaign,
        recipient,
        [sender],
        date=LETTER_DATE,
        layout="din",
        language="en",
        font_scale=body.font_scale,
    )
    path = tmp_path / "letter.pdf"
    path.write_bytes(compose(body, part, sender))
    reader = pypdf.PdfReader(path)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" not in xmp and b"Jane Doe" in xmp
    full = render_letter(
        composer, renderer, campaign, recipient, sender, RenderOptions(date=LETTER_DATE)
    )
    full_path = tmp_path / "full.pdf"
    full_path.write_bytes(full.pdf)
    assert (
        b"pdfuaid:part"
        in pypdf.PdfReader(full_path).trailer["/Root"]["/Metadata"].get_object().get_data()
    )
