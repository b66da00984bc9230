"""Supporters' lines drawn from shaped text give the letter a layout gives, or are laid out.

The oracle is the letter laid out in full (text by pdftotext, pixels by pdftoppm), as for the
shared body; and, stricter, the drawn pages' decoded drawing must be byte for byte what
WeasyPrint writes for that supporter's lines laid out alone.
"""

from __future__ import annotations

import io
import zlib
from collections import Counter
from pathlib import Path

import pikepdf
import pytest

from appeal_letters.batch.bodies import (
    Body,
    Unshared,
    compose,
    introduces,
    layout_body,
    layout_personal,
)
from appeal_letters.batch.drawn import LineArtist, personal_parts, supporters_lines
from appeal_letters.compose import Composer, Layout, wording_of
from appeal_letters.model import Campaign, Recipient, Sender, sender_from_options
from appeal_letters.pdf import Part
from appeal_letters.render import PdfRenderer, RenderOptions, render_letter
from appeal_letters.render.lines import CannotDraw, LineDrawer

from .conftest import LETTER_DATE, read_back


def who(name: str, address: list[str], country: str | None, town: str | None) -> Sender:
    email = "someone@example.org" if country else None
    return sender_from_options(name, address, email, country=country, town=town)


#: The first is each shape's sample (laid out); the others are drawn where they can be.
SUPPORTERS = [
    who("José Fernández", ["Rua das Flores 1", "1000-001 Lisboa", "Portugal"], "PT", "Lisboa"),
    who("Zoë Ünal-Øster", ["Rue du Lac 1", "1200 Genève", "Suisse"], "CH", "Genève"),
    who("Δημήτρης Παπαδόπουλος", ["Οδός Ερμού 12", "105 63 Αθήνα"], "GR", "Αθήνα"),
    who("Анна Петрова", ["ул. Тверская, 7", "125009 Москва"], "RU", "Москва"),
    # Decomposed: e, combining circumflex, combining tilde; i, combining dot below.
    who("Nguye\u0302\u0303n Thi\u0323 Minh", ["12 Rue Mouffetard", "75005 Paris"], "FR", "Paris"),
    who("Anne-Marie\u00a0Dubois", ["Hochstraße 5", "10115 Berlin"], "DE", "Berlin"),
    who("Łukasz Wiśniewski", ["ul. Długa 3", "00-238 Warszawa"], "PL", "Warszawa"),
]
#: No town, no e-mail: another shape (no introduction), sample then drawn.
PLAIN = [who("Ann Smith", ["1 High Street", "London"], None, None)] * 2


def streams(part: Part) -> tuple[bytes, bytes]:
    return zlib.decompress(part.head), zlib.decompress(part.signature)


def solo_streams(part: Part) -> tuple[bytes, bytes]:
    pages = part.source.pages
    return pages[0].obj.Contents.read_bytes(), pages[1].obj.Contents.read_bytes()


def looks(pdf: bytes, tmp_path: Path, name: str) -> tuple[str, bytes]:
    """What a reader gets: the text (pdftotext) and the pixels (pdftoppm)."""
    return read_back(pdf, tmp_path, name)[:2]


@pytest.fixture(scope="module")
def tools() -> tuple[Composer, PdfRenderer]:
    return Composer(), PdfRenderer()


Tools = tuple[Composer, PdfRenderer]


def body_for(
    campaign: Campaign, tools: Tools, recipient: Recipient, layout: Layout, language: str,
    wording: int = 0, introduced: bool = True,
) -> Body:  # fmt: skip
    composer, renderer = tools
    return layout_body(
        composer, renderer, campaign, recipient, date=LETTER_DATE, layout=layout,
        language=language, wording=wording, introduced=introduced,
    )  # fmt: skip


def drawn_parts(
    artist: LineArtist, tools: Tools, campaign: Campaign, recipient: Recipient,
    senders: list[Sender], body: Body, layout: Layout,
) -> list[Part | Unshared]:  # fmt: skip
    """The supporters' lines as a batch makes them: drawn where they can be."""
    composer, renderer = tools
    return personal_parts(
        artist, composer, renderer, campaign, recipient, senders, date=LETTER_DATE,
        layout=layout, language=body.language, font_scale=body.font_scale, intro=body.intro,
    )  # fmt: skip


def solo(
    tools: Tools, campaign: Campaign, recipient: Recipient, sender: Sender, body: Body,
    layout: Layout,
) -> Part | Unshared:  # fmt: skip
    """The supporter's lines laid out alone by WeasyPrint: the oracle."""
    composer, renderer = tools
    [alone] = layout_personal(
        composer, renderer, campaign, recipient, [sender], date=LETTER_DATE, layout=layout,
        language=body.language, font_scale=body.font_scale, intro=body.intro,
    )  # fmt: skip
    return alone


@pytest.mark.parametrize("language", ["en", "fr", "es", "ru", "ar"])
@pytest.mark.parametrize("layout", ["din", "fr", "us"])
def test_drawn_lines_make_the_letter_a_full_layout_makes(
    tmp_path: Path,
    campaign: Campaign,
    tools: tuple[Composer, PdfRenderer],
    language: str,
    layout: Layout,
) -> None:
    recipient = campaign.recipients[1]
    artist = LineArtist()
    drawn = 0
    for group in (SUPPORTERS, PLAIN):
        bodies = {
            wording: body_for(
                campaign, tools, recipient, layout, language, wording, introduces(group[0])
            )
            for wording in {wording_of(sender) for sender in group}
        }
        body = bodies[wording_of(group[0])]  # the introduction's place is the same in each
        parts = drawn_parts(artist, tools, campaign, recipient, group, body, layout)
        for index, (sender, part) in enumerate(zip(group, parts, strict=True)):
            assert isinstance(part, Part), part
            if language == "ar":
                assert not part.drawn and part.laid_out == "a right-to-left letter"
                continue
            if index == 0:
                assert not part.drawn and part.laid_out == "the sample of its kind"
                continue
            assert part.drawn, (sender.name, part.laid_out)
            drawn += 1
            alone = solo(tools, campaign, recipient, sender, body, layout)
            assert isinstance(alone, Part)
            assert streams(part) == solo_streams(alone), sender.name
            for face, gids in part.glyphs.items():
                assert gids == alone.glyphs[face]
                assert part.faces[face].widths == {g: alone.faces[face].widths[g] for g in gids}
            full = render_letter(
                *tools, campaign, recipient, sender,
                RenderOptions(date=LETTER_DATE, layout=layout, language=language),
            )  # fmt: skip
            letter = compose(bodies[wording_of(sender)], part, sender).data
            assert looks(letter, tmp_path, "drawn") == looks(full.pdf, tmp_path, "full"), (
                sender.name
            )
    assert drawn == (0 if language == "ar" else len(SUPPORTERS) - 1 + len(PLAIN) - 1)


def test_names_at_and_past_the_limit_of_their_line_are_drawn_exactly(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    """Names growing a letter at a time up to and past the width of the letterhead: cut into
    lines as WeasyPrint cuts them (hyphenation included), each one drawn is byte for byte the
    layout's; the first of one line and the first of two are the samples."""
    recipient = campaign.recipients[0]
    body = body_for(campaign, tools, recipient, "din", "en", 0, True)
    senders = [
        who("Maximiliane von Wolkenstein " + "x" * n, ["Hof 1", "Wien"], "AT", "Wien")
        for n in range(1, 40, 2)
    ]
    parts = drawn_parts(LineArtist(), tools, campaign, recipient, senders, body, "din")
    lines_drawn = Counter()
    for sender, part in zip(senders, parts, strict=True):
        assert isinstance(part, Part)
        alone = solo(tools, campaign, recipient, sender, body, "din")
        assert isinstance(alone, Part)
        objects = solo_streams(alone)[0].count(b"\nBT\n")
        if part.drawn:
            assert streams(part) == solo_streams(alone), len(sender.name)
            lines_drawn[objects] += 1
        else:
            assert part.laid_out == "the sample of its kind", part.laid_out
    # Name, address, return line, introduction: 4 text objects; a name of two lines: 5.
    assert lines_drawn[4] and lines_drawn[5], lines_drawn
    assert sum(not part.drawn for part in parts if isinstance(part, Part)) <= 3


def test_return_lines_of_two_lines_are_cut_and_drawn_exactly(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    """A return address longer than one line at 7 pt takes two, cut where WeasyPrint cuts."""
    recipient = campaign.recipients[0]
    body = body_for(campaign, tools, recipient, "din", "en", 0, True)
    streets = ["Kastanienallee 12, Hinterhaus", "Am Kupfergraben 6a, Aufgang B", "Via Roma 1"]
    senders = [
        who(name, [street, "10435 Berlin", "Deutschland"], "DE", "Berlin")
        for name in ("Maria Schmidt-Hoffmann", "Jürgen Ødegård", "Zoë Ünal-Øster")
        for street in streets
    ]
    parts = drawn_parts(LineArtist(), tools, campaign, recipient, senders, body, "din")
    two = 0
    for sender, part in zip(senders, parts, strict=True):
        assert isinstance(part, Part)
        if part.drawn:
            alone = solo(tools, campaign, recipient, sender, body, "din")
            assert isinstance(alone, Part)
            assert streams(part) == solo_streams(alone), sender.name
            two += streams(part)[0].count(b"\nBT\n") == 5
    assert two >= 3


def test_what_cannot_be_drawn_is_named() -> None:
    """A line in the other direction (a Hebrew name in an English letter) is a span of its
    own: not a simple line; such supporters are laid out, and why is said."""
    html = (
        '<html dir="ltr"><body><div class="sheet"><p class="sender-name">'
        '<span class="rtl">שרה</span></p></div><main class="body"></main></body></html>'
    )
    [why] = supporters_lines(html, 1)
    assert why == "a line of another kind (rtl)"
    assert supporters_lines(html.replace('dir="ltr"', 'dir="rtl"'), 1) == ["a right-to-left letter"]
    with pytest.raises(CannotDraw, match="empty line or a character that breaks it"):
        LineDrawer().split(None, 100.0, "a\u2028b")


def test_a_template_whose_lines_cannot_be_drawn_again_is_laid_out(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample is checked before it is trusted: were drawing to differ from WeasyPrint (a
    new version, a template with text drawn some other way), every supporter of that shape
    is laid out, with the reason, and the letters stay right."""
    recipient = campaign.recipients[0]
    body = body_for(campaign, tools, recipient, "din", "en", 0, True)
    from appeal_letters.render import lines

    original = lines.Drawing.line

    def off_by_one(
        self: lines.Drawing, sample: lines.SampleLine, text: str, layout: object = None
    ) -> bytes:
        return original(self, sample, text, layout).replace(b" Tm", b" Tm\n0 Tc", 1)

    monkeypatch.setattr(lines.Drawing, "line", off_by_one)
    parts = drawn_parts(LineArtist(), tools, campaign, recipient, SUPPORTERS[:3], body, "din")
    reasons = [part.laid_out for part in parts if isinstance(part, Part)]
    assert reasons == ["the sample's lines drawn again differ from what WeasyPrint wrote"] * 3
    assert not any(part.drawn for part in parts if isinstance(part, Part))
    for part in parts:
        assert isinstance(part, Part)
        pdf = pikepdf.open(io.BytesIO(compose(body, part, SUPPORTERS[0]).data))
        assert len(pdf.pages) == 1


def test_a_character_of_a_face_another_supporter_loads_is_not_drawn_in_it(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    """The faces for other scripts are in a letter's font list only when its text needs them,
    and Noto Serif Devanagari also has the minus sign, which Noto Serif lacks. After a sample
    with a Devanagari name, a Latin name with a minus sign must not be drawn in the sample's
    style (its minus in Devanagari): laid out alone, its letter does not load that face."""
    recipient = campaign.recipients[1]
    body = body_for(campaign, tools, recipient, "din", "en", 0, True)
    senders = [
        who("राम Sharma", ["Hof 1", "1010 Wien"], "AT", "Wien"),
        who("Jean\u2212Luc Picard", ["Hof 1", "1010 Wien"], "AT", "Wien"),
        who("Anna Berg", ["Hof 1", "1010 Wien"], "AT", "Wien"),
    ]
    parts = drawn_parts(LineArtist(), tools, campaign, recipient, senders, body, "din")
    for sender, part in zip(senders, parts, strict=True):
        alone = solo(tools, campaign, recipient, sender, body, "din")
        if isinstance(part, Part) and part.drawn:
            assert isinstance(alone, Part), (sender.name, alone)
            assert streams(part) == solo_streams(alone), sender.name
            assert set(part.glyphs) == set(alone.glyphs), sender.name
        else:
            assert type(part) is type(alone), sender.name


def test_a_letter_has_the_same_bytes_whoever_was_the_sample(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    """Whether a supporter's lines are drawn, are the sample, or are laid out with others' (a
    line in another font than the sample's) depends on who came before; the letter must not."""
    recipient = campaign.recipients[1]
    body = body_for(campaign, tools, recipient, "din", "en", 0, True)
    address = ["Rua das Flores 1", "75005 Paris"]
    sender = who("Jean Pierre", address, "FR", "Paris")
    before = [
        [],  # the sample
        [who("Anna Lee", address, "FR", "Paris")],  # drawn
        [who("Anna Lee ١٢", address, "FR", "Paris")],  # another font than the sample's
    ]
    letters = set()
    how = []
    for others in before:
        group = [*others, sender]
        parts = drawn_parts(LineArtist(), tools, campaign, recipient, group, body, "din")
        part = parts[-1]
        assert isinstance(part, Part)
        how.append(part.laid_out or "drawn")
        letters.add(compose(body, part, sender).data)
    assert how == ["the sample of its kind", "drawn", "a line takes another font than the sample's"]
    assert len(letters) == 1


def test_a_drawn_letter_has_the_bytes_of_the_laid_out_one_with_faces_of_its_own(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    """A face the body lacks (Georgian) makes subsets of the supporter's own in the letter,
    numbered in the order of the part's faces: drawn or laid out, the same letter."""
    recipient = campaign.recipients[1]
    body = body_for(campaign, tools, recipient, "us", "fr", 0, True)
    address = ["Οδός Ερμού 12", "105 63 Αθήνα"]
    senders = [
        who("ნინო ბერიძე Smith", address, "GR", "Αθήνα"),
        who("ი Georgian ნინო ბერიძე", address, "GR", "Αθήνα"),
        who("Zoë ნინო", address, "GR", "Αθήνα"),
    ]
    parts = drawn_parts(LineArtist(), tools, campaign, recipient, senders, body, "us")
    drawn = 0
    for sender, part in zip(senders, parts, strict=True):
        assert isinstance(part, Part)
        alone = solo(tools, campaign, recipient, sender, body, "us")
        assert isinstance(alone, Part)
        drawn += part.drawn
        assert compose(body, part, sender).data == compose(body, alone, sender).data, sender.name
    assert drawn


def test_a_line_met_before_is_drawn_from_memory_and_gives_the_same_bytes(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Supporters of one town share lines ("I live in Wien, Austria.", the town's line): such a
    line is shaped and drawn once, then taken from memory. The letters stay byte for byte those
    a layout gives, also when memory is refused (a glyph met at another width) and the line is
    drawn again."""
    from appeal_letters.render import lines

    recipient = campaign.recipients[0]
    body = body_for(campaign, tools, recipient, "din", "en", 0, True)
    senders = [
        who(name, ["Hof 1", "1010 Wien", "Österreich"], "AT", "Wien")
        for name in ("Anna Berg", "Jürgen Ødegård", "Zoë Ünal-Øster", "Ewa Nowak")
    ]
    shaped: list[str] = []
    original = lines.Drawing._draw

    def counted(self: lines.Drawing, sample: lines.SampleLine, text: str, layout: object) -> bytes:
        shaped.append(text)
        return original(self, sample, text, layout)

    monkeypatch.setattr(lines.Drawing, "_draw", counted)
    for refuse in (False, True):
        if refuse:
            monkeypatch.setattr(lines.Drawing, "_take", lambda self, fonts: False)
        shaped.clear()
        parts = drawn_parts(LineArtist(), tools, campaign, recipient, senders, body, "din")
        for sender, part in zip(senders, parts, strict=True):
            assert isinstance(part, Part)
            alone = solo(tools, campaign, recipient, sender, body, "din")
            assert isinstance(alone, Part)
            assert streams(part) == solo_streams(alone), sender.name
            for face, gids in part.glyphs.items():
                assert gids == alone.glyphs[face]
                assert part.faces[face].widths == {g: alone.faces[face].widths[g] for g in gids}
                assert part.faces[face].to_unicode == {
                    g: alone.faces[face].to_unicode[g] for g in gids
                }
        repeated = "I live in Wien, Austria."
        # Drawn once for the sample's check, then taken from memory; refused, it is drawn
        # again for each supporter (the first time twice: alone, then in the drawing).
        assert shaped.count(repeated) == (len(senders) + 1 if refuse else 1), shaped
        assert sum(isinstance(p, Part) and p.drawn for p in parts) == len(senders) - 1


def test_a_remembered_line_is_refused_where_a_glyph_has_another_width() -> None:
    """WeasyPrint keeps a glyph's first width in a document and kerns later lines with it: a
    line remembered with another width for a glyph the drawing has already met would not be
    the bytes drawing it there gives, so it is refused and nothing of it is recorded."""
    from types import SimpleNamespace

    from appeal_letters.render import lines

    face = SimpleNamespace(bitmap=False, png=False, svg=False, colr=False, hash="F1")
    drawing = lines.Drawing(LineDrawer())
    met = drawing.fonts[1] = lines._FontView(face)
    met.widths[5], met.to_unicode[5] = 600, "a"
    line = lines._FontView(face)
    line.widths.update({5: 601, 6: 500})
    line.to_unicode.update({5: "a", 6: "b"})
    assert not drawing._take({1: line})
    assert met.widths == {5: 600} and met.to_unicode == {5: "a"}
    line.widths[5] = 600
    assert drawing._take({1: line})
    assert met.widths == {5: 600, 6: 500} and met.to_unicode == {5: "a", 6: "b"}
