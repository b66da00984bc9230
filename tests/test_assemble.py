"""Letters written as bytes from a body template, and bundles read back from those bytes."""

from __future__ import annotations

import subprocess
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest

from appeal_letters.batch.bodies import Body, compose, layout_body, layout_personal
from appeal_letters.compose import Composer, wording_of
from appeal_letters.model import Campaign, Sender, sender_from_options
from appeal_letters.pdf import Part, write_bundle
from appeal_letters.pdf.assemble import MARK
from appeal_letters.pdf.bundle import bundle
from appeal_letters.render import PdfRenderer, RenderOptions, render_letter

from .conftest import LETTER_DATE

PEOPLE = [
    sender_from_options("Ana Lima", ["Rua A 1", "1000 Lisboa"], "ana@example.org"),
    sender_from_options("Zoë Ünal-Øster", ["Rue du Lac 1", "1200 Genève", "Suisse"], None),
    sender_from_options("Łukasz Wiśniewski", ["ul. Długa 5", "00-001 Warszawa"], None),
]
#: A name in Arabic script in an English letter: the supporter's lines use a face (Noto Naskh
#: Arabic) that the body does not.
LAYLA = sender_from_options("ليلى حسن", ["12 Example Street", "London"], None)


@pytest.fixture(scope="module")
def tools() -> tuple[Composer, PdfRenderer]:
    return Composer(), PdfRenderer()


def _body(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer], index: int = 0, wording: int = 0
) -> Body:
    composer, renderer = tools
    return layout_body(
        composer,
        renderer,
        campaign,
        campaign.recipients[index],
        date=LETTER_DATE,
        layout="din",
        language="en",
        wording=wording,
        introduced=False,  # these tests' supporters give no town
    )


def _letters(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer], body: Body, senders: list[Sender]
) -> list[bytes]:
    composer, renderer = tools
    parts = layout_personal(
        composer,
        renderer,
        campaign,
        campaign.recipients[0],
        senders,
        date=LETTER_DATE,
        layout="din",
        language=body.language,
        font_scale=body.font_scale,
        intro=body.intro,
    )
    letters = []
    for part, sender in zip(parts, senders, strict=True):
        assert isinstance(part, Part)
        letters.append(compose(body, part, sender).data)
    return letters


def _full(campaign: Campaign, tools: tuple[Composer, PdfRenderer], sender: Sender) -> bytes:
    composer, renderer = tools
    options = RenderOptions(date=LETTER_DATE, layout="din", language="en")
    return render_letter(composer, renderer, campaign, campaign.recipients[0], sender, options).pdf


def _page(path: Path, number: int | None = None) -> tuple[bytes, bytes]:
    """What a reader gets from one page: text (pdftotext) and pixels (pdftoppm)."""
    pages = ["-f", str(number), "-l", str(number)] if number else []
    text = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, check=True
    ).stdout
    pixels = subprocess.run(
        ["pdftoppm", "-gray", "-r", "50", *pages, str(path)], capture_output=True, check=True
    ).stdout
    return text.rstrip(b"\f\n"), pixels


def _clean(path: Path) -> None:
    """The file reads without a single complaint from qpdf (through pikepdf) or pypdf."""
    with pikepdf.open(path) as pdf:
        assert pdf.check_pdf_syntax() == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = pypdf.PdfReader(path, strict=True)
        for page in reader.pages:
            page.extract_text()


def test_a_letter_does_not_depend_on_who_else_was_laid_out_with_it(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    # A batch resumed after a crash lays out other groups of supporters: the same letter must
    # come out byte for byte.
    body = _body(campaign, tools)
    together = _letters(campaign, tools, body, PEOPLE)
    reordered = _letters(campaign, tools, body, [PEOPLE[2], PEOPLE[1]])
    alone = _letters(campaign, tools, body, [PEOPLE[1]])
    assert together[1] == reordered[1] == alone[0]
    assert together[2] == reordered[0]
    assert len({*together}) == 3


def test_letters_are_valid_pdfs_with_the_bodys_subsets_and_the_supporters_own(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    body = _body(campaign, tools)
    for number, letter in enumerate(_letters(campaign, tools, body, PEOPLE)):
        path = tmp_path / f"{number}.pdf"
        path.write_bytes(letter)
        _clean(path)
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        names = [line.split()[0] for line in fonts]
        faces = sorted({name.split("+")[1] for name in names})
        # The body's subset of each face, shared by its letters (written once in the body's
        # template), and the supporter's own where the body's lacks one of their glyphs: cut
        # once for all of a supporter's letters, instead of one subset per letter.
        assert faces == ["Letter-Serif", "Letter-Serif-Bold"]
        assert len(names) == len(set(names)) <= 4, names
        assert len(letter) <= 30 * 1024, len(letter)


def test_a_name_in_another_script_adds_its_face(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    body = _body(campaign, tools, wording=wording_of(LAYLA))  # as a batch picks it
    [shared] = _letters(campaign, tools, body, [LAYLA])
    (tmp_path / "shared.pdf").write_bytes(shared)
    (tmp_path / "full.pdf").write_bytes(_full(campaign, tools, LAYLA))
    assert _page(tmp_path / "shared.pdf") == _page(tmp_path / "full.pdf")
    assert "ليلى حسن" in pypdf.PdfReader(tmp_path / "shared.pdf").pages[0].extract_text()
    _clean(tmp_path / "shared.pdf")
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "shared.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Letter-Arabic-Bold" in fonts  # the name in the letterhead and signature
    assert "Letter-Arabic " in fonts  # and in the return address


def test_a_bundle_mixes_shared_and_full_letters_page_for_page(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    body = _body(campaign, tools)
    other = _body(campaign, tools, 1)
    letters = _letters(campaign, tools, body, [*PEOPLE, LAYLA])
    parts: list[bytes | Path] = [
        letters[0],
        _full(campaign, tools, PEOPLE[1]),  # laid out in full: copied page by page
        *_letters(campaign, tools, other, PEOPLE[:1]),  # another body
        letters[3],  # a face the first letters do not use
        letters[2],
    ]
    for number, part in enumerate(parts):
        assert isinstance(part, bytes)
        (tmp_path / f"{number}.pdf").write_bytes(part)
    path = tmp_path / "bundles" / "bundle.pdf"
    write_bundle(path, [tmp_path / f"{n}.pdf" for n in range(len(parts))])
    assert path.read_bytes() == bundle(parts)  # from files or bytes: the same
    _clean(path)
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == len(parts)
    for number in range(len(parts)):
        assert _page(path, number + 1) == _page(tmp_path / f"{number}.pdf"), number
    bodies = {
        page["/Resources"]["/XObject"].raw_get("/Body").idnum
        for page in reader.pages
        if "/Body" in page["/Resources"].get("/XObject", {})
    }
    assert len(bodies) == 2  # the two authorities' texts, each once
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # One font per face for every letter, the one laid out in full included.
    assert sorted(line.split()[0].split("+")[1] for line in fonts) == [
        "Letter-Arabic",
        "Letter-Arabic-Bold",
        "Letter-Serif",
        "Letter-Serif-Bold",
    ]


def test_a_letter_whose_shared_part_does_not_match_is_copied_as_any_pdf(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    [letter] = _letters(campaign, tools, _body(campaign, tools), PEOPLE[:1])
    start = letter.index(MARK)
    digest_at = letter.index(b" ", start + len(MARK)) + 1
    altered = letter[:digest_at] + b"0" * 64 + letter[digest_at + 64 :]
    (tmp_path / "letter.pdf").write_bytes(letter)
    path = tmp_path / "bundle.pdf"
    path.write_bytes(bundle([altered]))
    _clean(path)
    assert _page(path, 1) == _page(tmp_path / "letter.pdf")
    page = pypdf.PdfReader(path).pages[0]
    assert "/Body" not in page["/Resources"].get("/XObject", {})  # not read as a shared letter


def test_untagged_supporter_lines_drop_the_pdf_ua_claim_only(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    # A template of one's own may give a structure tree that cannot be joined: such letters
    # read and look the same, the body stays tagged, and they do not claim PDF/UA.
    composer, renderer = tools
    body = _body(campaign, tools)
    [part] = layout_personal(
        composer,
        renderer,
        campaign,
        campaign.recipients[0],
        PEOPLE[:1],
        date=LETTER_DATE,
        layout="din",
        language="en",
        font_scale=body.font_scale,
        intro=body.intro,
    )
    assert isinstance(part, Part) and part.tags is not None
    tagged, untagged = (
        compose(body, part, PEOPLE[0]).data,
        compose(body, replace(part, tags=None), PEOPLE[0]).data,
    )
    for name, letter in (("tagged", tagged), ("untagged", untagged)):
        (tmp_path / f"{name}.pdf").write_bytes(letter)
        _clean(tmp_path / f"{name}.pdf")
    assert _page(tmp_path / "tagged.pdf") == _page(tmp_path / "untagged.pdf")
    with pikepdf.open(tmp_path / "untagged.pdf") as pdf:
        assert b"pdfuaid:part" not in pdf.Root.Metadata.read_bytes()
        assert len(list(pdf.Root.StructTreeRoot.ParentTree.Nums)) == 2  # the body's page only
    with pikepdf.open(tmp_path / "tagged.pdf") as pdf:
        assert b"pdfuaid:part" in pdf.Root.Metadata.read_bytes()
        assert len(list(pdf.Root.StructTreeRoot.ParentTree.Nums)) == 6  # and the two forms


def test_a_corrupted_letter_falls_back_or_fails_clearly_and_bundles_stay_sound(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    """300 random corruptions of a letter's own part (after the shared body): the bundle
    either copies the letter page by page (qpdf finds nothing wrong with it) or stops with one
    clear OutputError; never another exception, never a bundle qpdf complains about."""
    import random

    from appeal_letters.errors import OutputError

    body = _body(campaign, tools)
    good = _letters(campaign, tools, body, PEOPLE[:2])
    start = good[0].index(MARK)
    tail = good[0].rindex(b"startxref")
    xref_at = int(good[0][tail + 9 : good[0].index(b"%%EOF", tail)])
    outcomes: dict[str, int] = {"bundled": 0, "refused": 0}
    for seed in range(300):
        rnd = random.Random(seed)
        data = bytearray(good[0])
        at = rnd.randrange(start, len(data))
        match rnd.choice(["flip", "delete", "duplicate", "truncate", "zero"]):
            case "flip":
                data[at] = rnd.randrange(256)
            case "delete":
                del data[at : at + rnd.randrange(1, 50)]
            case "duplicate":
                data[at:at] = data[at : at + rnd.randrange(1, 50)]
            case "truncate":
                del data[at:]
            case _:
                data[at : at + 8] = bytes(8)
        target = tmp_path / f"{seed}.pdf"
        try:
            report = write_bundle(target, [good[1], bytes(data), good[1]])
        except OutputError as exc:
            assert str(exc).startswith("document 2 of the bundle: "), exc
            assert "0x" not in str(exc)
            assert not target.exists()
            assert list(tmp_path.glob(".*.tmp")) == []  # nothing half-written left behind
            outcomes["refused"] += 1
            continue
        with pikepdf.open(target) as pdf:
            assert pdf.check_pdf_syntax() == [], seed
            assert len(pdf.pages) == 3
        if bytes(data) == good[0]:
            assert report.from_bodies == 3  # the "corruption" changed nothing (a byte for itself)
        elif report.from_bodies == 3:
            # Read from its bytes although changed: only where the identifier's digest does
            # not reach, the cross-reference stream and trailer, which the bundle rewrites.
            assert at >= xref_at, (seed, at, xref_at)
        else:
            assert sum(report.fallbacks.values()) == 1
        outcomes["bundled"] += 1
        target.unlink()
    assert outcomes["bundled"] > 50 and outcomes["refused"] > 50, outcomes


#: Return lines long enough to be cut with an ellipsis: in a shared document the ellipsis is
#: one glyph, and WeasyPrint maps it to the rest of the first cut line it meets.
LONG = sender_from_options(
    "Maximilian Alexander von Hohenzollern-Sigmaringen",
    ["Flat 12, Wellington Court, 116 Knightsbridge", "N1 9GU London", "United Kingdom"],
    None,
)
OTHER_LONG = sender_from_options(
    "Anna-Katharina Mustermann-Schönberger",
    ["Hinterhaus, 3. Obergeschoss links, Kastanienallee 77", "10435 Berlin", "Deutschland"],
    None,
)


def test_a_letter_reads_the_same_whoever_shared_its_document(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    """What a resumed batch needs: the same bytes and the same text layer for a supporter laid
    out alone, in one group and in another, with long return lines and look-alike glyphs."""
    body = _body(campaign, tools)
    groups = {
        "alone": [LONG],
        "first": [LONG, OTHER_LONG, *PEOPLE],
        "after another cut line": [OTHER_LONG, PEOPLE[2], PEOPLE[0], LONG],
    }
    made = {name: _letters(campaign, tools, body, group) for name, group in groups.items()}
    versions = {made["alone"][0], made["first"][0], made["after another cut line"][3]}
    assert len(versions) == 1
    assert made["first"][1] == made["after another cut line"][0]
    path = tmp_path / "long.pdf"
    path.write_bytes(made["alone"][0])
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Maximilian Alexander von Hohenzollern-Sigmaringen, Flat 12" in " ".join(text.split())
    # The return line is whole (stepped down to fit two lines, never cut with an ellipsis).
    reading = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(reading.split())
    assert "Hohenzollern-Sigmaringen, Flat 12, Wellington Court, 116 Knightsbridge, N1 9GU" in flat
    assert "…" not in text


def test_a_bundle_keeps_each_letters_text_when_a_glyph_reads_differently(
    tmp_path: Path, campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    body = _body(campaign, tools)
    letters = _letters(campaign, tools, body, [OTHER_LONG, LONG, PEOPLE[0]])
    report = write_bundle(tmp_path / "bundle.pdf", letters)
    # Long return lines are set whole in smaller type (no "…" glyph standing for hidden
    # text, which once forced a font of its own): every letter shares the bundle's fonts.
    assert report.from_bodies == 3
    assert not report.fallbacks
    for index, letter in enumerate(letters):
        (tmp_path / f"{index}.pdf").write_bytes(letter)
        in_bundle = _page(tmp_path / "bundle.pdf", index + 1)
        assert in_bundle == _page(tmp_path / f"{index}.pdf"), index
    with pikepdf.open(tmp_path / "bundle.pdf") as pdf:
        assert pdf.check_pdf_syntax() == []


def test_ligatures_share_documents_and_lookalikes_do_not_leak(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "fi" drawn with the glyph of "ﬁ" is the supporter's own text (no solo layout: names
    such as Griffin or an Office Lane are common); "ﬁ" typed by one supporter and "fi" by
    another read differently, so each gets a document of their own."""
    import appeal_letters.batch.bodies as bodies

    alone: list[str] = []
    real = bodies.layout_personal

    def counting(*args: Any, **kwargs: Any) -> Any:
        if len(args[4]) == 1:
            alone.append(args[4][0].name)
        return real(*args, **kwargs)

    monkeypatch.setattr(bodies, "layout_personal", counting)
    body = _body(campaign, tools)
    common = [
        sender_from_options("Fiona Griffin", ["5 Office Lane", "Sheffield S1 2AB"], None),
        sender_from_options("Steffi Graf", ["Fifth Avenue 1", "New York"], None),
    ]
    _letters(campaign, tools, body, common)
    assert alone == []
    lookalikes = [
        sender_from_options("Jean \ufb01lou", ["1 Road", "Paris"], None),
        sender_from_options("Fifi Brindacier", ["2 Road", "Paris"], None),
    ]
    grouped = _letters(campaign, tools, body, lookalikes)
    assert alone == ["Fifi Brindacier"]  # the second one to use the glyph
    assert grouped[1] == _letters(campaign, tools, body, lookalikes[1:])[0]
