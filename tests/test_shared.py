"""The shared-body path must give the very letter that full layout gives."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest

from appeal_letters.batch.bodies import (
    Unshared,
    compose,
    introduces,
    layout_body,
    layout_personal,
)
from appeal_letters.compose import Composer, Layout, wording_of
from appeal_letters.model import Campaign, Sender, sender_from_options
from appeal_letters.render import PdfRenderer, RenderOptions, render_letter

from .conftest import LETTER_DATE, LONG_NAME, claims_pdfua, pdfua_problems
from .conftest import read_back as read

OTHER = sender_from_options(
    "Zoë Ünal-Øster",
    ["Rue du Lac 1", "1200 Genève", "Suisse"],
    "zoe@example.org",
    country="CH",
    town="Genève",
)

NO_TOWN = sender_from_options("Zoë Ünal-Øster", ["Rue du Lac 1", "1200 Genève"], None)


@pytest.fixture(scope="module")
def tools() -> tuple[Composer, PdfRenderer]:
    return Composer(), PdfRenderer()


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
        for who in (sender, OTHER):
            # The body in the wording this supporter's letters use, as a batch picks it.
            body = layout_body(
                composer,
                renderer,
                campaign,
                recipient,
                date=LETTER_DATE,
                layout=layout,
                language=language,
                wording=wording_of(who),
                introduced=introduces(who),
            )
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
                intro=body.intro,
            )
            shared = compose(body, part, who).data
            assert body.font_scale == full.font_scale
            full_text, full_pixels, _ = read(full.pdf, tmp_path, "full")
            text, pixels, fonts = read(shared, tmp_path, "shared")
            assert text == full_text, (recipient.id, who.name)
            assert pixels == full_pixels, (recipient.id, who.name)
            rows = [line.split() for line in fonts.splitlines()[2:]]
            assert rows and all(row[-5] == "yes" for row in rows)  # every font embedded
            names = Counter(row[0] for row in rows)
            assert max(names.values()) == 1, f"subset names clash: {names}"
            # Both claim PDF/UA, and both pass the checks pdfua can make.
            for name in ("full", "shared"):
                (tmp_path / f"{name}.pdf").write_bytes(full.pdf if name == "full" else shared)
                assert claims_pdfua(tmp_path / f"{name}.pdf")
                assert pdfua_problems(tmp_path / f"{name}.pdf") == [], (name, recipient.id)
            reader = pypdf.PdfReader(tmp_path / "shared.pdf")
            assert len(reader.pages) == 1
            assert reader.metadata is not None and reader.metadata.author == who.name
            assert reader.trailer["/Root"]["/Lang"] == body.language
            assert structure(shared) == structure(full.pdf), (recipient.id, who.name)


def test_a_long_address_needs_the_full_layout(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    composer, renderer = tools
    wordy = sender_from_options(LONG_NAME, ["1 Road", "Lisboa"], None)
    recipient = campaign.recipients[0]
    body = layout_body(
        composer, renderer, campaign, recipient, date=LETTER_DATE, layout="din", language="en",
        wording=0, introduced=False,
    )  # fmt: skip
    parts = layout_personal(
        composer,
        renderer,
        campaign,
        recipient,
        [sender_from_options("A B", ["1 Road"], None), wordy, NO_TOWN],
        date=LETTER_DATE,
        layout="din",
        language="en",
        font_scale=body.font_scale,
        intro=body.intro,
    )
    # Only the supporter whose lines overflow the signature zone is laid out in full.
    assert [type(part).__name__ for part in parts] == ["Part", "Unshared", "Part"]
    assert isinstance(parts[1], Unshared) and "signature zone" in parts[1].reason


def structure(pdf: bytes) -> list[str]:
    """The structure tree in reading order: each element's tag, depth and marked-content count."""
    found: list[str] = []

    def walk(element: Any, depth: int) -> None:
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        marked = sum(
            1
            for k in kids
            if isinstance(k, int) or (isinstance(k, pikepdf.Dictionary) and "/MCID" in k)
        )
        found.append(f"{'  ' * depth}{element.S} {marked}")
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, depth + 1)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        top = document.Root.StructTreeRoot.K
        for element in top if isinstance(top, pikepdf.Array) else [top]:
            walk(element, 0)
    return found


def test_shared_letter_is_tagged_throughout_and_claims_pdf_ua(
    tmp_path: Path, campaign: Campaign, sender: Sender, tools: tuple[Composer, PdfRenderer]
) -> None:
    composer, renderer = tools
    recipient = campaign.recipients[0]
    body = layout_body(
        composer, renderer, campaign, recipient, date=LETTER_DATE, layout="din", language="en",
        wording=wording_of(sender),
    )  # fmt: skip
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
        intro=body.intro,
    )
    letter = compose(body, part, sender).data
    with pikepdf.open(io.BytesIO(letter)) as pdf:
        assert pdf.check_pdf_syntax() == []
        root = pdf.Root
        assert bool(root.MarkInfo.Marked)
        xmp = root.Metadata.read_bytes()
        assert b"pdfuaid:part" in xmp and b"Jane Doe" in xmp
        # Every marked-content id drawn by the supporter's forms leads, through the parent tree,
        # to the element that refers to it with that form and id, and back.
        nums = list(root.StructTreeRoot.ParentTree.Nums)
        tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        page = pdf.pages[0]
        for name in ("/SupporterHead", "/SupporterSignature"):
            form = page.resources.XObject[name]
            drawn = [int(m) for m in re.findall(rb"/MCID (\d+)", form.read_bytes())]
            assert drawn, name
            owners = tree[int(form.StructParents)]
            assert len(owners) == len(drawn)
            for mcid in drawn:
                refs = [
                    k
                    for k in owners[mcid].K
                    if isinstance(k, pikepdf.Dictionary) and k.get("/MCID") == mcid
                ]
                assert len(refs) == 1 and refs[0].Stm.objgen == form.objgen
    full = render_letter(
        composer, renderer, campaign, recipient, sender, RenderOptions(date=LETTER_DATE)
    )
    assert structure(letter) == structure(full.pdf)


#: Names in the scripts whose faces ship with the package (besides Latin, Greek, Cyrillic and
#: Arabic, tested above), and a Chinese one drawn with the system's font.
SCRIPT_NAMES = {
    "hebrew": ("דוד כהן", "רחוב הרצל 5"),
    "devanagari": ("राम शर्मा", "मुख्य मार्ग 3"),
    "thai": ("สมชาย ใจดี", "ถนนสุขุมวิท 12"),
    "georgian": ("ნინო ბერიძე", "რუსთაველის გამზირი 7"),
    "armenian": ("Արամ Պետրոսյան", "Աբովյան փողոց 9"),
}


@pytest.mark.parametrize("script", sorted(SCRIPT_NAMES))
def test_names_in_other_scripts_are_drawn_on_the_shared_body_like_in_full(
    tmp_path: Path,
    campaign: Campaign,
    tools: tuple[Composer, PdfRenderer],
    script: str,
) -> None:
    composer, renderer = tools
    name, street = SCRIPT_NAMES[script]
    who = sender_from_options(name, [street, "London"], None)
    recipient = campaign.recipients[0]
    body = layout_body(
        composer, renderer, campaign, recipient, date=LETTER_DATE, layout="din", language="en",
        wording=wording_of(who), introduced=introduces(who),
    )  # fmt: skip
    full = render_letter(
        composer, renderer, campaign, recipient, who, RenderOptions(date=LETTER_DATE)
    )
    [part] = layout_personal(
        composer,
        renderer,
        campaign,
        recipient,
        [who],
        date=LETTER_DATE,
        layout="din",
        language="en",
        font_scale=body.font_scale,
        intro=body.intro,
    )
    assert not isinstance(part, Unshared), part
    shared = compose(body, part, who).data
    full_text, full_pixels, _ = read(full.pdf, tmp_path, "full")
    text, pixels, fonts = read(shared, tmp_path, "shared")
    assert text == full_text
    if script == "thai":
        # Thai's stacked marks sit at offsets WeasyPrint writes rounded relative to the page,
        # so the signature drawn 600 px higher and moved down rounds a few edge pixels
        # differently (2 of 350,000 here, by 8/255): the same letter to the eye.
        assert len(pixels) == len(full_pixels)
        differ = [abs(a - b) for a, b in zip(pixels, full_pixels, strict=True) if a != b]
        assert len(differ) <= 10 and max(differ, default=0) <= 32, (len(differ), max(differ))
    else:
        assert pixels == full_pixels
    assert name.split()[0] in text or script == "hebrew"  # pdftotext reorders Hebrew
    assert f"Letter-{script.title()}" in fonts  # the bundled face, not a system one
    assert claims_pdfua(tmp_path / "shared.pdf")
    assert pdfua_problems(tmp_path / "shared.pdf") == []
