# ruff: noqa: E501  (the expected-value table keeps one letter per line)
"""Each office addressed as its language's protocol requires (issue 14), read back from the
letters: the address block's lines in order, the salutation and the closing, for the
President, the Prosecutor General, a minister and an ambassador in five languages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from appeal_letters.compose.addressee import dative_name, dative_title
from appeal_letters.compose.composer import _forms, form_of_address, recipient_lines
from appeal_letters.model import Campaign, Sender
from appeal_letters.render import RenderOptions, write_letters

from .conftest import LETTER_DATE, arabic_squash

RECIPIENTS = ["president", "prosecutor-general", "interior-minister", "ambassador-belgium"]

#: language -> recipient -> (address block lines, salutation, closing)
EXPECTED: dict[str, dict[str, tuple[list[str], str, str]]] = {
    "en": {
        "president": (["Mr Vladimir Putin", "President of the Russian Federation"],
                      "Dear Mr President,", "Yours sincerely,"),
        "prosecutor-general": (["Mr Yurii Ya. Chaika", "Prosecutor General of the Russian Federation"],
                               "Dear Prosecutor General,", "Yours sincerely,"),
        "interior-minister": (["Mr Vladimir Kolokoltsev"], "Dear Minister,", "Yours sincerely,"),
        "ambassador-belgium": (["H.E. Mr Alexander Romanov"], "Your Excellency,", "Yours sincerely,"),
    },
    "fr": {
        "president": (["M. Vladimir Poutine", "Président de la Fédération de Russie"],
                      "Monsieur le Président,",
                      "Je vous prie d’agréer, Monsieur le Président, l’expression de ma très haute considération."),
        "prosecutor-general": (["M. Yurii Ya. Chaika", "Procureur général de la Fédération de Russie"],
                               "Monsieur le Procureur général,",
                               "Je vous prie d’agréer, Monsieur le Procureur général, l’expression de ma haute considération."),
        "interior-minister": (["M. Vladimir Kolokoltsev"], "Monsieur le Ministre,",
                              "Je vous prie d’agréer, Monsieur le Ministre, l’expression de ma haute considération."),
        "ambassador-belgium": (["S.E. M. Alexander Romanov"], "Monsieur l’Ambassadeur,",
                               "Je vous prie d’agréer, Monsieur l’Ambassadeur, l’expression de ma très haute considération."),
    },
    "es": {
        "president": (["Excmo. Sr. Vladimir Putin", "Presidente de la Federación de Rusia"],
                      "Excelentísimo Señor Presidente:", "Le saluda respetuosamente,"),
        "prosecutor-general": (["Excmo. Sr. Yurii Ya. Chaika", "Fiscal General de la Federación de Rusia"],
                               "Señor Fiscal General:", "Le saluda atentamente,"),
        "interior-minister": (["Excmo. Sr. Vladimir Kolokoltsev"], "Señor Ministro:", "Le saluda atentamente,"),
        "ambassador-belgium": (["Excmo. Sr. Alexander Romanov", "Embajador"],
                               "Excelentísimo Señor Embajador:", "Le saluda respetuosamente,"),
    },
    "ru": {
        "president": (["Президенту Российской Федерации", "В.В. Путину"],
                      "Уважаемый Владимир Владимирович!", "С уважением,"),
        "prosecutor-general": (["Генеральному прокурору Российской Федерации", "Ю.Я. Чайке"],
                               "Уважаемый Юрий Яковлевич!", "С уважением,"),
        "interior-minister": (["Министру внутренних дел Российской Федерации", "В.А. Колокольцеву"],
                              "Уважаемый Владимир Александрович!", "С уважением,"),
        "ambassador-belgium": (["Посольство Российской Федерации в Бельгии", "Послу", "Александру Романову"],
                               "Ваше превосходительство!", "С уважением,"),
    },
    "ar": {
        "president": (["فخامة السيد فلاديمير بوتين", "رئيس الاتحاد الروسي"], "فخامة الرئيس،",
                      "وتفضلوا بقبول فائق الاحترام والتقدير."),
        "prosecutor-general": (["سعادة السيد يوري تشايكا"], "سعادة النائب العام،",
                               "وتفضلوا بقبول فائق الاحترام والتقدير."),
        "interior-minister": (["معالي السيد فلاديمير كولوكولتسيف"], "معالي الوزير،",
                              "وتفضلوا بقبول فائق الاحترام والتقدير."),
        "ambassador-belgium": (["سعادة السيد ألكسندر رومانوف"], "سعادة السفير،",
                               "وتفضلوا بقبول فائق الاحترام والتقدير."),
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def letters(
    tmp_path_factory: pytest.TempPathFactory, campaign: Campaign, sender: Sender
) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("protocol")
    for language in EXPECTED:
        options = RenderOptions(date=LETTER_DATE, language=language, recipient_ids=RECIPIENTS)
        write_letters(campaign, sender, out / language, options)
    return {language: out / language for language in EXPECTED}


def _lines(path: Path) -> list[str]:
    """The letter's lines in reading order, spaces (no-break ones too) made plain."""
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _joined(lines: list[str]) -> str:
    return "\n".join(lines)


#: The sentence that says where the supporter (sender.example.yaml: London, GB) writes from.
INTRODUCTIONS = {
    "en": "I live in London, United Kingdom.",
    "fr": "J’habite London (Royaume-Uni).",
    "es": "Resido en London (Reino Unido).",
    "ru": "Проживаю в городе London (Великобритания).",
    "ar": "أقيم في مدينة London (المملكة المتحدة).",
}


@pytest.mark.parametrize("language", list(EXPECTED))
def test_the_supporter_says_where_they_write_from_right_after_the_salutation(
    letters: dict[str, Path], language: str
) -> None:
    clean = arabic_squash if language == "ar" else (lambda t: " ".join(t.split()))
    for path in sorted(letters[language].glob("*.pdf")):
        lines = _lines(path)
        salutation = EXPECTED[language][path.stem[3:]][1]
        at = next(i for i, line in enumerate(lines) if clean(salutation) in clean(line))
        after = 2 if language == "ar" else 1  # Arabic: تحية طيبة وبعد، comes first
        expected, found = clean(INTRODUCTIONS[language]), clean(lines[at + after])
        if language == "ar":  # pdftotext puts the Latin run anywhere in the line
            expected, found = "".join(sorted(expected)), "".join(sorted(found))
        assert expected == found, (path.name, lines[at:])


@pytest.mark.parametrize("language", list(EXPECTED))
def test_address_block_salutation_and_closing(letters: dict[str, Path], language: str) -> None:
    for path in sorted(letters[language].glob("*.pdf")):
        recipient = path.stem[3:]
        block, salutation, closing = EXPECTED[language][recipient]
        lines = _lines(path)
        text = _joined(lines)
        clean = arabic_squash if language == "ar" else (lambda t: " ".join(t.split()))
        # The block's lines follow one another (a long one may wrap: compare without breaks).
        assert clean(" ".join(block)) in clean(" ".join(lines)), (recipient, lines[:12])
        assert clean(salutation) in clean(text), recipient
        assert clean(closing) in clean(" ".join(lines)), recipient


def test_russian_dative_forms_of_every_seed_recipient(campaign: Campaign) -> None:
    heads = _forms()["ru"]["dative_heads"]
    expected = {
        "president": ("Президенту Российской Федерации", "В.В. Путину"),
        "prosecutor-general": ("Генеральному прокурору Российской Федерации", "Ю.Я. Чайке"),
        "interior-minister": ("Министру внутренних дел Российской Федерации", "В.А. Колокольцеву"),
        "justice-minister": ("Министру юстиции Российской Федерации", "А.В. Коновалову"),
        "foreign-minister": ("Министру иностранных дел Российской Федерации", "С.В. Лаврову"),
        "ombudsman": ("Уполномоченному по правам человека в Российской Федерации", "Э.А. Памфиловой"),
        "civil-society-council": ("Председателю Совета", "М.А. Федотову"),
        "ambassador-un-geneva": ("Послу, Постоянному представителю", "Алексею Бородавкину"),
        "ambassador-belgium": ("Послу", "Александру Романову"),
        "ambassador-council-of-europe": ("Послу, Постоянному представителю", "Александру Алексееву"),
    }  # fmt: skip
    for recipient in campaign.recipients:
        named = recipient.in_language("ru")
        assert (dative_title(named.title, heads), dative_name(named)) == expected[recipient.id]


def test_patronymic_salutation_only_with_a_patronymic(campaign: Campaign) -> None:
    [president] = [r for r in campaign.recipients if r.id == "president"]
    named = president.in_language("ru")
    assert form_of_address(named, "ru")[0] == "Уважаемый Владимир Владимирович!"
    without = named.model_copy(update={"patronymic": None})
    assert form_of_address(without, "ru")[0] == "Уважаемый господин Президент!"
    assert dative_name(without) == "Владимиру Путину"


def test_russian_requests_are_numbered_with_a_parenthesis(letters: dict[str, Path]) -> None:
    lines = _lines(letters["ru"] / "02-prosecutor-general.pdf")
    assert any(line.endswith(("Прошу Вас:", "прошу Вас:")) for line in lines)
    numbered = [line.split()[0] for line in lines if line[:2] in {f"{n})" for n in range(1, 7)}]
    assert numbered == ["1)", "2)", "3)", "4)", "5)", "6)"]


def test_russian_names_in_any_order_and_gender_from_the_patronymic(campaign: Campaign) -> None:
    """Found by an attack: "Чайка Юрий Яковлевич" (surname first) gave "Ч.Я. Чайке"; a one-word
    name gave "Путину Путину"; a woman without `gender` was declined as a man."""
    [prosecutor, ombudsman] = [
        r.in_language("ru")
        for r in campaign.recipients
        if r.id in ("prosecutor-general", "ombudsman")
    ]
    reversed_order = prosecutor.model_copy(update={"name": "Чайка Юрий Яковлевич"})
    assert dative_name(reversed_order) == "Ю.Я. Чайке"
    assert form_of_address(reversed_order, "ru")[0] == "Уважаемый Юрий Яковлевич!"
    initials = prosecutor.model_copy(update={"name": "Ю. Я. Чайка", "patronymic": None})
    assert dative_name(initials) == "Чайке"
    alone = prosecutor.model_copy(update={"name": "Путин", "family_name": None, "patronymic": None})
    assert dative_name(alone) == "Путину"
    unspecified = ombudsman.model_copy(update={"gender": "unspecified"})
    assert dative_name(unspecified) == "Э.А. Памфиловой"


def test_a_plain_feminine_title_keeps_its_gender_in_the_formal_one(campaign: Campaign) -> None:
    [president] = [r for r in campaign.recipients if r.id == "president"]
    woman = president.model_copy(update={"gender": "unspecified", "localized": {}})
    for language, plain, formal in (
        ("ar", "السيدة", "فخامة السيدة"),
        ("es", "Sra.", "Excma. Sra."),
    ):
        named = woman.model_copy(update={"honorific": plain})
        assert recipient_lines(named, language)[0].startswith(formal), language
