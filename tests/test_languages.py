"""Letters in the recipient's language: catalogs, forms of address, translations, fallback."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from appeal_letters.assets import package_dir
from appeal_letters.compose import Composer
from appeal_letters.compose.composer import _forms
from appeal_letters.compose.scripts import SCRIPT_FONTS
from appeal_letters.errors import ValidationError
from appeal_letters.model import (
    SUPPORTED_LANGUAGES,
    Campaign,
    Sender,
    load_campaign,
    sender_from_options,
)
from appeal_letters.model.campaign import OFFICES
from appeal_letters.render import RenderOptions, write_letters

from .conftest import LETTER_DATE, ROOT, arabic_squash, page_count, pdf_text, squash

TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]


def template_messages() -> set[str]:
    """Every fixed phrase of the bundled templates, as Babel extracts it."""
    found = extract_from_dir(
        str(package_dir("templates")),
        method_map=[("**.j2", "jinja2")],
        options_map={"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
    )
    return {(message, context) for _, _, message, _, context in found}


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_translates_every_phrase_of_the_template(language: str) -> None:
    po = package_dir("locale") / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    messages = template_messages()
    assert messages, "no phrases extracted: is the template still marked up with _()?"
    for message, context in messages:
        entry = catalog.get(message, context=context)
        assert entry is not None and entry.string, f"{language}: '{message}' is not translated"
        assert not entry.fuzzy, f"{language}: '{message}' is marked fuzzy"
        for placeholder in ("%(code)s", "%(title)s", "%(issuer)s", "%(date)s", "%(number)s"):
            assert (placeholder in message) == (placeholder in entry.string), (language, message)


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalog_matches_its_source(language: str) -> None:
    folder = package_dir("locale") / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id}
    with (folder / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run `make catalogs` to recompile"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_forms_of_address_cover_every_office(language: str) -> None:
    table = _forms()[language]
    for office in OFFICES:
        assert "unspecified" in table[office], (language, office)
        for entry in table[office].values():
            assert entry["salutation"] and entry["closing"]


@pytest.fixture(scope="module")
def french_letters(
    tmp_path_factory: pytest.TempPathFactory, campaign: Campaign, sender: Sender
) -> Path:
    out = tmp_path_factory.mktemp("fr")
    result = write_letters(campaign, sender, out, RenderOptions(date=LETTER_DATE, language="fr"))
    # French is an official language of Belgium and Switzerland, not of Russia: said once.
    [warning] = result.warnings
    assert warning.startswith("the letters to president, prosecutor-general,")
    assert "ambassador-belgium" not in warning and "ambassador-un-geneva" not in warning
    return out


@pytest.mark.parametrize(
    ("name", "salutation", "closing", "addressee"),
    [
        (
            "01-president.pdf",
            "Monsieur le Président,",
            "Je vous prie d'agréer, Monsieur le Président, l'expression de ma très haute "
            "considération.",
            "Président de la Fédération de Russie",
        ),
        (
            "03-interior-minister.pdf",
            "Monsieur le Ministre,",
            "Je vous prie d'agréer, Monsieur le Ministre, l'expression de ma haute considération.",
            "Ministre de l'Intérieur de la Fédération de Russie",
        ),
        (
            "06-ombudsman.pdf",
            "Madame la Commissaire,",
            "Je vous prie d'agréer, Madame la Commissaire, l'expression de ma haute considération.",
            "Mme Ella Pamfilova",
        ),
        (
            "09-ambassador-belgium.pdf",
            "Monsieur l'Ambassadeur,",
            "Je vous prie d'agréer, Monsieur l'Ambassadeur, l'expression de ma très haute "
            "considération.",
            "Ambassade de la Fédération de Russie à Bruxelles",
        ),
    ],
)
def test_french_letters_read_right(
    french_letters: Path,
    campaign: Campaign,
    name: str,
    salutation: str,
    closing: str,
    addressee: str,
) -> None:
    path = french_letters / name
    assert page_count(path) == 1
    text = pdf_text(path)
    flat = squash(text)
    assert squash(salutation) in flat
    assert squash(closing) in flat
    assert squash(addressee) in flat
    assert "26 novembre 2026" in text
    assert squash("23 mars 2016") in flat
    assert text.count("RUS 004 / 1214 / OBS 093.1") == 1
    assert re.search(r"Réf\.\s+RUS 004 / 1214 / OBS 093\.1", text)
    french = campaign.appeal.translations["fr"]
    assert french.actions is not None
    for action in french.actions:
        assert squash(action) in flat, action[:40]
    for english in campaign.appeal.actions:
        assert squash(english) not in flat
    assert "Dear" not in text and "Yours sincerely" not in text


@pytest.mark.parametrize(
    ("language", "name", "salutation", "closing", "dates", "reference"),
    [
        (
            "es",
            "01-president.pdf",
            "Excelentísimo Señor Presidente:",
            "Le saluda respetuosamente,",
            ("26 de noviembre de 2026", "23 de marzo de 2016"),
            "Ref.",
        ),
        (
            "es",
            "08-ambassador-un-geneva.pdf",
            "Excelentísimo Señor Embajador:",
            "Le saluda respetuosamente,",
            ("26 de noviembre de 2026", "23 de marzo de 2016"),
            "Ref.",
        ),
        (
            "ru",
            "01-president.pdf",
            "Уважаемый Владимир Владимирович!",
            "С уважением,",
            ("26 ноября 2026 г.", "23 марта 2016 г."),
            "Номер",
        ),
        (
            "ru",
            "09-ambassador-belgium.pdf",
            "Ваше превосходительство!",
            "С уважением,",
            ("26 ноября 2026 г.", "23 марта 2016 г."),
            "Номер",
        ),
        (
            "ru",
            "07-civil-society-council.pdf",
            "Уважаемый Михаил Александрович!",
            "С уважением,",
            ("26 ноября 2026 г.", "23 марта 2016 г."),
            "Номер",
        ),
    ],
)
def test_spanish_and_russian_letters_read_right(
    tmp_path: Path,
    campaign: Campaign,
    sender: Sender,
    language: str,
    name: str,
    salutation: str,
    closing: str,
    dates: tuple[str, str],
    reference: str,
) -> None:
    recipient = name[3:-4]
    result = write_letters(
        campaign,
        sender,
        tmp_path,
        RenderOptions(date=LETTER_DATE, language=language, recipient_ids=[recipient]),
    )
    # A Spanish or Arabic letter to a Russian official is flagged, and nothing else is said.
    assert all("neither the recipient's language" in w for w in result.warnings)
    assert result.entries[0].language == language
    path = tmp_path / name
    assert page_count(path) == 1
    text = pdf_text(path)
    flat = squash(text)
    assert salutation in text and closing in text
    for date in dates:
        assert squash(date) in flat
    # The code once, labelled in the letter's language (no footer repeating it).
    assert text.count("RUS 004 / 1214 / OBS 093.1") == 1
    assert re.search(rf"{re.escape(reference)}\s+RUS 004 / 1214 / OBS 093\.1", text)
    assert "\ufffd" not in text
    translated = campaign.appeal.translations[language]
    assert translated.actions is not None and translated.summary is not None
    for action in translated.actions:
        assert squash(action) in flat, action[:40]
    assert squash(translated.summary) in flat
    assert "Dear" not in text and "Yours" not in text


def test_french_pdf_declares_its_language(french_letters: Path) -> None:
    import pypdf

    reader = pypdf.PdfReader(french_letters / "01-president.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert reader.metadata is not None
    assert reader.metadata.title == (
        "RUS 004 / 1214 / OBS 093.1\u00a0: lettre à M.\u00a0Vladimir Poutine"
    )


def without_french(tmp_path: Path, drop: str | None = None) -> Path:
    """A copy of appeal.yaml with no French, or with one French field removed."""
    text = (ROOT / "appeal.yaml").read_text(encoding="utf-8")
    if drop is None:
        text = text[: text.index("\ntranslations:")] + "\n"
    else:
        lines = text.splitlines(keepends=True)
        start = next(i for i, line in enumerate(lines) if line.startswith(f"    {drop}:"))
        end = start + 1
        while end < len(lines) and lines[end].startswith("      "):
            end += 1
        text = "".join(lines[:start] + lines[end:])
    path = tmp_path / "appeal.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("drop", "missing"),
    [(None, "translations.fr"), ("summary", "translations.fr.summary")],
)
def test_missing_language_falls_back_whole_with_a_warning(
    tmp_path: Path, sender: Sender, drop: str | None, missing: str
) -> None:
    campaign = load_campaign(without_french(tmp_path, drop), [ROOT / "recipients.yaml"])
    result = write_letters(
        campaign,
        sender,
        tmp_path / "out",
        RenderOptions(date=LETTER_DATE, language="fr", recipient_ids=["president"]),
    )
    assert result.warnings == [
        f"letter to president is in 'en', not 'fr': the appeal lacks {missing}"
    ]
    assert result.entries[0].language == "en"
    text = pdf_text(tmp_path / "out" / "01-president.pdf")
    assert "Dear Mr President," in text and "Monsieur" not in text


def test_translation_must_have_as_many_actions(tmp_path: Path) -> None:
    text = (ROOT / "appeal.yaml").read_text(encoding="utf-8")
    start = text.index("      - >-\n        mener une enquête")
    end = text.index("      - >-\n        mettre un terme")
    path = tmp_path / "appeal.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_campaign(path, [ROOT / "recipients.yaml"])
    (problem,) = info.value.problems
    assert problem.field == "translations.fr.actions"
    assert "has 5 actions but the appeal has 6" in problem.message


def test_unsupported_language_is_refused(tmp_path: Path) -> None:
    text = (
        (ROOT / "recipients.yaml")
        .read_text(encoding="utf-8")
        .replace("    language: en\n", "    language: xx\n", 1)
    )
    path = tmp_path / "recipients.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=r"language 'xx' is not supported yet"):
        load_campaign(ROOT / "appeal.yaml", [path])


def test_one_composer_serves_both_languages(campaign: Campaign, sender: Sender) -> None:
    composer = Composer()
    president = campaign.recipients[0]
    english = composer.compose(campaign, president, sender, date=LETTER_DATE)
    french = composer.compose(campaign, president, sender, date=LETTER_DATE, language="fr")
    again = composer.compose(campaign, president, sender, date=LETTER_DATE)
    assert "Dear Mr President," in english.html and english.html == again.html
    assert "Monsieur le Président," in french.html
    assert french.html.count('lang="fr"') == 1


@pytest.fixture(scope="module")
def arabic_letters(
    tmp_path_factory: pytest.TempPathFactory, campaign: Campaign, sender: Sender
) -> Path:
    out = tmp_path_factory.mktemp("ar")
    result = write_letters(
        campaign,
        sender,
        out,
        RenderOptions(
            date=LETTER_DATE,
            language="ar",
            recipient_ids=["president", "prosecutor-general", "ambassador-belgium"],
        ),
    )
    assert all("neither the recipient" in w for w in result.warnings)
    return out


@pytest.mark.parametrize(
    ("name", "salutation"),
    [
        ("01-president.pdf", "فخامة الرئيس،"),
        ("02-prosecutor-general.pdf", "سعادة النائب العام،"),
        ("09-ambassador-belgium.pdf", "سعادة السفير،"),
    ],
)
def test_arabic_letters_read_back_in_logical_order(
    arabic_letters: Path, campaign: Campaign, name: str, salutation: str
) -> None:
    path = arabic_letters / name
    assert page_count(path) == 1
    text = pdf_text(path)
    assert "\ufffd" not in text
    flat = arabic_squash(text)
    for phrase in (
        salutation,
        "تحية طيبة وبعد،",  # the customary greeting after the salutation
        "وتفضلوا بقبول فائق الاحترام والتقدير.",  # the closing ends with a full stop
        "وأتطلع إلى ردكم.",  # the end of each wording of the thanks
        "26 نوفمبر 2026",
        "RUS 004 / 1214 / OBS 093.1",
        "المرجع",
    ):
        assert arabic_squash(phrase) in flat, phrase
    # Sentences of Arabic words alone come back in reading order word for word (pypdf keeps
    # the lines whole; poppler's layout mode interleaves the two columns of a wrapped list item).
    import pypdf

    read = arabic_squash(pypdf.PdfReader(path).pages[0].extract_text())
    translation = campaign.appeal.translations["ar"]
    assert translation.actions is not None
    plain = [a for a in translation.actions if not re.search(r"[0-9]", a)]
    assert len(plain) >= 3
    for action in plain:
        assert arabic_squash(action) in read, action[:30]


def test_arabic_letter_is_rtl_with_numbers_left_to_right(arabic_letters: Path) -> None:
    import pypdf

    path = arabic_letters / "01-president.pdf"
    assert pypdf.PdfReader(path).trailer["/Root"]["/Lang"] == "ar"
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "Letter-Arabic" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)<', bbox)
    line = {w: float(x) for x, y, w in words if w in ("+7", "495", "606-51-73")}
    assert line["+7"] < line["495"] < line["606-51-73"], "fax number reordered"
    # poppler gives right-to-left words in visual order, i.e. reversed
    salutation_x = next(float(x) for x, _, w in words if "الرئيس،" in (w, w[::-1]))
    assert salutation_x > 300, "the salutation should start at the right margin"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_bundled_fonts_cover_every_character_of_the_letters(
    campaign: Campaign, sender: Sender, language: str
) -> None:
    """No tofu: each character a letter prints has a glyph in one of the bundled fonts."""
    from html.parser import HTMLParser

    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for font in package_dir("fonts").glob("*.ttf"):
        covered |= set(TTFont(font).getBestCmap())

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.chunks: list[str] = []
            self.skip = False

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.skip = tag in ("style", "title")

        def handle_endtag(self, tag: str) -> None:
            self.skip = False

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.chunks.append(data)

    composer = Composer()
    for recipient in campaign.recipients:
        letter = composer.compose(campaign, recipient, sender, date=LETTER_DATE, language=language)
        parser = Text()
        parser.feed(letter.html)
        text = "".join(parser.chunks)
        missing = {c for c in text if not c.isspace() and ord(c) not in covered}
        assert not missing, f"{recipient.id}: no glyph for {sorted(missing)}"


def test_script_faces_follow_the_recipient_and_the_supporter_a_letter_is_for(
    campaign: Campaign,
) -> None:
    """The appeal's and the recipient's script faces are found once per recipient (not for
    every supporter's letter), yet a recipient given again with a name in another script, or a
    supporter writing in one, gets its face: the memory is per recipient object, not per id."""
    composer = Composer()
    recipient = campaign.recipients[0]
    date = LETTER_DATE
    plain = sender_from_options("Ann Smith", ["1 High Street", "London"], None)
    hebrew_name = sender_from_options("דוד לוי", ["1 High Street", "London"], None)

    def faces(recipient: Any, sender: Any) -> list[str]:
        html = composer.compose(campaign, recipient, sender, date=date).html
        return [family for family in SCRIPT_FONTS if f'"{family}"' in html]

    assert faces(recipient, plain) == []
    assert faces(recipient, hebrew_name) == ["Letter Hebrew"]
    assert faces(recipient, plain) == []
    renamed = recipient.model_copy(update={"name": "ვლადიმერ"})  # the same id, Georgian
    assert renamed.id == recipient.id
    assert faces(renamed, plain) == ["Letter Georgian"]
    assert faces(renamed, hebrew_name) == ["Letter Hebrew", "Letter Georgian"]
    assert composer.script_faces(campaign, renamed, hebrew_name, "en") == (
        "Letter Hebrew",
        "Letter Georgian",
    )
