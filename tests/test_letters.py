"""What a supporter gets: ten one-page PDF letters, read back as text and PDF objects."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pypdf
import pytest
import yaml
from click.testing import CliRunner

from appeal_letters.cli import main
from appeal_letters.compose import Composer
from appeal_letters.compose.composer import form_of_address
from appeal_letters.errors import RenderError
from appeal_letters.model import Campaign, Sender, sender_from_options
from appeal_letters.render import PdfRenderer, RenderOptions, render_letter, write_letters

from .conftest import LEAD_INS, LETTER_DATE, page_count, pdf_text, squash

EXPECTED = {
    "01-president.pdf": ("Mr Vladimir Putin", "Dear Mr President,"),
    "02-prosecutor-general.pdf": ("Mr Yurii Ya. Chaika", "Dear Prosecutor General,"),
    "03-interior-minister.pdf": ("Mr Vladimir Kolokoltsev", "Dear Minister,"),
    "04-justice-minister.pdf": ("Mr Alexander Konovalov", "Dear Minister,"),
    "05-foreign-minister.pdf": ("Mr Sergey Lavrov", "Dear Minister,"),
    "06-ombudsman.pdf": ("Ms Ella Pamfilova", "Dear Ms Pamfilova,"),
    "07-civil-society-council.pdf": ("Mr Mikhail Fedotov", "Dear Mr Fedotov,"),
    "08-ambassador-un-geneva.pdf": ("H.E. Mr Alexey Borodavkin", "Your Excellency,"),
    "09-ambassador-belgium.pdf": ("H.E. Mr Alexander Romanov", "Your Excellency,"),
    "10-ambassador-council-of-europe.pdf": ("H.E. Mr Alexander Alekseev", "Your Excellency,"),
}


def test_ten_letters_and_a_manifest(seed_letters: Path) -> None:
    assert sorted(p.name for p in seed_letters.glob("*.pdf")) == sorted(EXPECTED)
    manifest = json.loads((seed_letters / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["appeal_code"] == "RUS 004 / 1214 / OBS 093.1"
    assert [e["file"] for e in manifest["letters"]] == list(EXPECTED)
    for entry in manifest["letters"]:
        data = (seed_letters / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["pages"] == 1
    by_id = {e["recipient_id"]: e for e in manifest["letters"]}
    assert by_id["prosecutor-general"]["channel"] == "fax"
    assert by_id["prosecutor-general"]["channel_address"] == "+74956921725"
    assert by_id["ombudsman"]["channel"] is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_letter_reads_right(seed_letters: Path, campaign: Campaign, name: str) -> None:
    path = seed_letters / name
    assert page_count(path) == 1
    text = pdf_text(path)
    flat = squash(text)
    recipient_name, salutation = EXPECTED[name]
    assert recipient_name in text
    assert salutation in text
    # The code once, in the labelled reference line (no footer repeating it).
    assert text.count("RUS 004 / 1214 / OBS 093.1") == 1
    assert re.search(r"Ref\.\s+RUS 004 / 1214 / OBS 093\.1", text)
    assert "urgent appeal of 23 March 2016" in text
    # The sender's address once, in the letterhead (and the return line the window needs).
    assert text.count("12 Example Street") == 2
    for action in campaign.appeal.actions:
        assert squash(action) in flat, action[:40]
    for numeral in ("i.", "ii.", "iii.", "iv.", "v.", "vi."):
        assert f" {numeral} " in f" {text} ".replace("\n", " ")
    assert squash(campaign.appeal.summary) in flat
    assert "Jane Doe" in text
    assert "26 November 2026" in text
    assert "Yours sincerely," in text


def test_address_block_says_how_the_letter_goes(seed_letters: Path) -> None:
    assert "By fax: +7 495 692-17-25" in pdf_text(seed_letters / "02-prosecutor-general.pdf")
    assert "By fax: +33 3 88 24 19 74" in pdf_text(
        seed_letters / "10-ambassador-council-of-europe.pdf"
    )
    assert "By fax" not in pdf_text(seed_letters / "06-ombudsman.pdf")


def test_office_notes_reach_only_their_office(seed_letters: Path) -> None:
    note = "As Prosecutor General, you can ensure"
    assert note in pdf_text(seed_letters / "02-prosecutor-general.pdf").replace("\n", " ")
    assert note not in pdf_text(seed_letters / "01-president.pdf")


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("01-president.pdf", "authority"),
        ("04-justice-minister.pdf", "authority"),
        ("06-ombudsman.pdf", "advocate"),
        ("07-civil-society-council.pdf", "advocate"),
        ("09-ambassador-belgium.pdf", "intermediary"),
    ],
)
def test_each_office_is_asked_what_it_can_do(seed_letters: Path, name: str, role: str) -> None:
    """Officials who are the authorities are asked directly; an ombudsman or a council to press
    them; an ambassador to convey the requests (issue 14), in one of the three wordings."""
    text = squash(pdf_text(seed_letters / name))
    found = [one for many in LEAD_INS.values() for one in many if squash(one) in text]
    assert len(found) == 1 and found[0] in LEAD_INS[role], found


def test_metadata_tagging_and_fonts(seed_letters: Path) -> None:
    reader = pypdf.PdfReader(seed_letters / "01-president.pdf")
    meta = reader.metadata
    assert meta is not None
    assert meta.subject == "RUS 004 / 1214 / OBS 093.1"
    assert meta.author == "Jane Doe"
    assert meta.title == "RUS 004 / 1214 / OBS 093.1: letter to Mr Vladimir Putin"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert "/Metadata" in root  # XMP, with the PDF/UA identification
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"


def test_same_inputs_give_identical_bytes(
    tmp_path: Path, seed_letters: Path, campaign: Campaign, sender: Sender
) -> None:
    write_letters(campaign, sender, tmp_path, RenderOptions(date=LETTER_DATE))
    for pdf in seed_letters.glob("*.pdf"):
        assert (tmp_path / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name
    assert (tmp_path / "manifest.json").read_bytes() == (
        seed_letters / "manifest.json"
    ).read_bytes()


def test_us_letter_paper(tmp_path: Path, campaign: Campaign, sender: Sender) -> None:
    write_letters(
        campaign,
        sender,
        tmp_path,
        RenderOptions(date=LETTER_DATE, layout="us", recipient_ids=["president"]),
    )
    reader = pypdf.PdfReader(tmp_path / "01-president.pdf")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert len(reader.pages) == 1
    assert [p.name for p in tmp_path.glob("*.pdf")] == ["01-president.pdf"]


def test_personal_paragraph_and_html_preview(tmp_path: Path, campaign: Campaign) -> None:
    sender = sender_from_options(
        "Jane Doe",
        ["12 Example Street", "London"],
        None,
        "I have followed the courageous work of the Joint Mobile Group for many years.",
    )
    write_letters(
        campaign,
        sender,
        tmp_path,
        RenderOptions(date=LETTER_DATE, recipient_ids=["foreign-minister"], write_html=True),
    )
    text = pdf_text(tmp_path / "05-foreign-minister.pdf")
    assert squash("courageous work of the Joint Mobile Group for many years") in squash(text)
    assert page_count(tmp_path / "05-foreign-minister.pdf") == 1
    html = (tmp_path / "05-foreign-minister.html").read_text(encoding="utf-8")
    assert '<html lang="en" dir="ltr">' in html


def test_too_long_for_one_page_is_an_error(tmp_path: Path, campaign: Campaign) -> None:
    sender = sender_from_options("Jane Doe", ["1 Street"], None, "Please act now. " * 150)
    with pytest.raises(RenderError, match=r"does not fit on one page .* shorten the supporter's"):
        write_letters(
            campaign, sender, tmp_path, RenderOptions(date=LETTER_DATE, recipient_ids=["president"])
        )
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_long_paragraph_steps_type_size_down(campaign: Campaign) -> None:
    sender = sender_from_options("Jane Doe", ["1 Street"], None, "I ask you to act. " * 25)
    result = render_letter(
        Composer(),
        PdfRenderer(),
        campaign,
        campaign.recipients[0],
        sender,
        RenderOptions(date=LETTER_DATE),
    )
    assert result.pages == 1
    assert result.font_scale < 1.0


def test_forms_of_address_follow_gender(campaign: Campaign) -> None:
    president = campaign.recipients[0]
    assert form_of_address(president, "en") == ("Dear Mr President,", "Yours sincerely,")
    female = president.model_copy(update={"gender": "female"})
    assert form_of_address(female, "en")[0] == "Dear Madam President,"
    unknown = president.model_copy(update={"gender": "unspecified"})
    assert form_of_address(unknown, "en")[0] == "Your Excellency,"
    custom = president.model_copy(update={"salutation": "Dear Sir,"})
    assert form_of_address(custom, "en")[0] == "Dear Sir,"


def test_address_too_long_for_the_envelope_window(
    tmp_path: Path, campaign: Campaign, sender: Sender
) -> None:
    president = campaign.recipients[0]
    fits = president.model_copy(update={"address": ["23 Ilyinka Street", "103132 Moscow"]})
    too_long = president.model_copy(update={"address": [f"Line {i}" for i in range(5)]})
    renderer, composer = PdfRenderer(), Composer()
    options = RenderOptions(date=LETTER_DATE)
    assert render_letter(composer, renderer, campaign, fits, sender, options).pages == 1
    assert "103132 Moscow" in pdf_text_of(
        render_letter(composer, renderer, campaign, fits, sender, options).pdf, tmp_path
    )
    with pytest.raises(RenderError) as caught:
        render_letter(composer, renderer, campaign, too_long, sender, options)
    assert str(caught.value) == (
        "recipients: president: the address does not fit in the envelope window of the DIN "
        "5008 layout: its line 'Administration of the President of the Russian Federation' "
        "wraps; shorten it or split it over two address lines"
    )


def test_a_wrapping_address_line_is_named_with_the_layouts_that_take_it(
    campaign: Campaign, sender: Sender
) -> None:
    """A long line wraps in the narrow DIN window (85 mm); the French and US windows are wider.
    The error names the line, and the layouts where it fits as it is."""
    line = "Directorate for Relations with Human Rights Organisations and Civil Society"
    president = campaign.recipients[0].model_copy(update={"address": [line, "103132 Moscow"]})
    renderer, composer = PdfRenderer(), Composer()
    with pytest.raises(RenderError) as caught:
        render_letter(
            composer, renderer, campaign, president, sender, RenderOptions(date=LETTER_DATE)
        )
    message = str(caught.value)
    assert (
        f"its lines 'Administration of the President of the Russian Federation', '{line}' wrap"
        in message
    ), message
    assert "layout takes it as it is (--layout)" in message or "layouts take it" in message
    taken_by = [
        name
        for name, label in (("fr", "French"), ("us", "US Letter"))
        if label in message.split(";")[-1]
    ]
    assert taken_by, message
    for layout in taken_by:  # what the message promises holds
        options = RenderOptions(date=LETTER_DATE, layout=layout)  # type: ignore[arg-type]
        assert render_letter(composer, renderer, campaign, president, sender, options).pages == 1


def pdf_text_of(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return pdf_text(path)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Joint Mobile Group has documented many such cases over the years. ",
        "Internationally recognised organisations documented intimidation systematically. ",
    ],
)
def test_a_summary_too_long_for_one_page_says_by_how_many_words(
    workspace: Path, sentence: str
) -> None:
    """The estimate is one to act on, for short words and long: shortening by it makes the
    letter fit, by a third of it does not."""
    appeal = workspace / "appeal.yaml"
    seed = appeal.read_text(encoding="utf-8")
    data = yaml.safe_load(seed)
    filler = sentence * 12
    summary = data["summary"].strip() + " " + filler.strip()

    def render_with(text: str) -> tuple[int, str]:
        data["summary"] = text
        appeal.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        result = CliRunner().invoke(
            main, ["render", "--sender", "sender.example.yaml", "--recipient", "interior-minister",
                   "--language", "en", "--out", "out"],
        )  # fmt: skip
        return result.exit_code, result.stderr

    code, err = render_with(summary)
    assert code == 1, err
    found = re.search(
        r"shorten the appeal's summary or its office note for interior-minister by about "
        r"(\d+) words \((\d+) lines?\)",
        err,
    )
    assert found, err
    words = int(found.group(1))
    assert 10 <= words <= len(filler.split()) + 20
    kept = summary.split()
    assert render_with(" ".join(kept[: -words // 3]))[0] == 1
    fits = render_with(" ".join(kept[:-words]))
    assert fits[0] == 0, (words, fits[1])
