"""The recipient's lines in the address block, as each language's protocol writes them.

- English, French: honorific and name, title, institution.
- Spanish and Arabic: the plain courtesy title ("Sr.", "السيد") raised to the office's form
  ("Excmo. Sr.", "فخامة السيد") from ``forms.yaml``.
- Russian (GOST R 7.0.97): the institution as it is named, then the office and the person in
  the dative: "Генеральному прокурору Российской Федерации / Ю.Я. Чайке" (initials when the
  patronymic is known, else the first name: "Александру Романову"). Names are declined with
  pytrovich (the petrovich rules); offices by the table of title heads in ``forms.yaml``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ..model import Recipient

#: Courtesy titles that carry no rank: the office's formal honorific replaces them.
PLAIN_HONORIFICS = frozenset(
    {"mr", "mr.", "m.", "sr", "sr.", "d.", "don", "señor", "г-н", "السيد"}
    | {"ms", "ms.", "mrs", "mrs.", "mme", "sra", "sra.", "srta.", "dña.", "doña", "señora", "г-жа"}
    | {"السيدة"}
)
#: The plain titles that say the person is a woman: the office's form is then the feminine one.
FEMININE_HONORIFICS = frozenset(
    {"ms", "ms.", "mrs", "mrs.", "mme", "sra", "sra.", "srta.", "dña.", "doña", "señora", "г-жа"}
    | {"السيدة"}
)


def office_honorific(
    recipient: Recipient, entry: dict[str, Any], feminine: dict[str, Any] | None = None
) -> str | None:
    """The honorific the address block prints: the recipient's own, unless it is a plain
    courtesy title and the office has a formal one in this language (the feminine form when
    the plain title is a woman's)."""
    own = recipient.honorific
    formal = entry.get("honorific")
    if own and own.casefold() in FEMININE_HONORIFICS and feminine is not None:
        formal = feminine.get("honorific", formal)
    if formal and (own is None or own.casefold() in PLAIN_HONORIFICS):
        return str(formal)
    return own


def address_lines(
    recipient: Recipient,
    language: str,
    entry: dict[str, Any],
    heads: dict[str, str],
    feminine: dict[str, Any] | None = None,
) -> list[str]:
    """The recipient's lines, before the postal address, for a letter in ``language``."""
    if language == "ru":
        # A title that names its body ("Генеральному прокурору Российской Федерации") stands
        # alone; a bare office ("Послу", "Председателю Совета") follows its institution.
        bare = all(len(part.split()) <= 2 for part in recipient.title.split(", "))
        lines = [recipient.institution] if recipient.institution and bare else []
        return [*lines, dative_title(recipient.title, heads), dative_name(recipient)]
    honorific = office_honorific(recipient, entry, feminine)
    name = f"{honorific} {recipient.name}" if honorific else recipient.name
    return [name, recipient.title, *([recipient.institution] if recipient.institution else [])]


def dative_title(title: str, heads: dict[str, str]) -> str:
    """ "Генеральный прокурор Российской Федерации" -> "Генеральному прокурору Российской
    Федерации": each comma-separated office's head phrase from the table, the rest (already
    in the genitive) as it is. A head not in the table is left as written."""
    parts = []
    for part in title.split(", "):
        for head in sorted(heads, key=len, reverse=True):
            if part.casefold().startswith(head.casefold()) and (
                len(part) == len(head) or part[len(head)] == " "
            ):
                dative = heads[head]
                if part[0].isupper():
                    dative = dative[0].upper() + dative[1:]
                part = dative + part[len(head) :]
                break
        parts.append(part)
    return ", ".join(parts)


def undeclined_title(title: str, heads: dict[str, str]) -> bool:
    """Whether some office of ``title`` is neither in the table nor already in the dative
    (its first word ending as a dative does: "Следователю", "Судье")."""
    return any(
        not part.split()[0].casefold().endswith(("у", "ю", "е", "и"))
        and not any(
            part.casefold().startswith(head.casefold())
            and (len(part) == len(head) or part[len(head)] == " ")
            for head in heads
        )
        for part in title.split(", ")
    )


def dative_name(recipient: Recipient) -> str:
    """ "Ю.Я. Чайке" with a patronymic, "Александру Романову" without, "Путину" when only the
    surname is known. A gender not given is read from the patronymic (-вич, -вна)."""
    from pytrovich.enums import Case, Gender, NamePart

    maker = _maker()
    genders = {"male": Gender.MALE, "female": Gender.FEMALE}
    gender = genders.get(recipient.gender) or _gender_of(recipient.patronymic) or Gender.ANDROGYNOUS
    first = first_name(recipient)
    surname = recipient.surname
    declined = maker.make(NamePart.LASTNAME, gender, Case.DATIVE, surname)
    if first is None:
        return str(declined)
    if recipient.patronymic:
        return f"{first[0]}.{recipient.patronymic[0]}. {declined}"
    first_dative = maker.make(NamePart.FIRSTNAME, gender, Case.DATIVE, first)
    return f"{first_dative} {declined}"


def _gender_of(patronymic: str | None) -> Any:
    from pytrovich.enums import Gender

    if not patronymic:
        return None
    ending = patronymic.casefold()
    if ending.endswith(("ич", "оглы")):
        return Gender.MALE
    if ending.endswith(("вна", "чна", "кызы")):
        return Gender.FEMALE
    return None


@cache
def _maker() -> Any:
    from pytrovich.maker import PetrovichDeclinationMaker

    return PetrovichDeclinationMaker()


def first_name(recipient: Recipient) -> str | None:
    """The given name: the first word of the name that is not an initial, the surname or the
    patronymic ("Юрий" in "Юрий Чайка" and in "Чайка Юрий Яковлевич"); None if there is none."""
    others = {recipient.surname.casefold(), (recipient.patronymic or "").casefold()}
    for word in recipient.name.split():
        if not re.fullmatch(r"\w\.(\w\.)?", word) and word.casefold() not in others:
            return word
    return None
