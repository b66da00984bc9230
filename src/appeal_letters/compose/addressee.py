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
    {"mr", "mr.", "ms", "ms.", "mrs", "mrs.", "m.", "mme", "sr.", "sra.", "srta.", "г-н", "г-жа"}
    | {"السيد", "السيدة"}
)


def office_honorific(recipient: Recipient, entry: dict[str, Any]) -> str | None:
    """The honorific the address block prints: the recipient's own, unless it is a plain
    courtesy title and the office has a formal one in this language."""
    formal = entry.get("honorific")
    own = recipient.honorific
    if formal and (own is None or own.casefold() in PLAIN_HONORIFICS):
        return str(formal)
    return own


def address_lines(
    recipient: Recipient, language: str, entry: dict[str, Any], heads: dict[str, str]
) -> list[str]:
    """The recipient's lines, before the postal address, for a letter in ``language``."""
    if language == "ru":
        lines = [recipient.institution] if recipient.institution else []
        return [*lines, dative_title(recipient.title, heads), dative_name(recipient)]
    honorific = office_honorific(recipient, entry)
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
                len(part) == len(head) or not part[len(head)].isalpha()
            ):
                dative = heads[head]
                if part[0].isupper():
                    dative = dative[0].upper() + dative[1:]
                part = dative + part[len(head) :]
                break
        parts.append(part)
    return ", ".join(parts)


def undeclined_title(title: str, heads: dict[str, str]) -> bool:
    """Whether ``dative_title`` found no head to decline in some office of ``title``."""
    return any(
        not any(part.casefold().startswith(head.casefold()) for head in heads)
        for part in title.split(", ")
    )


def dative_name(recipient: Recipient) -> str:
    """ "Ю.Я. Чайке" with a patronymic, "Александру Романову" without."""
    from pytrovich.enums import Case, Gender, NamePart

    maker = _maker()
    genders = {"male": Gender.MALE, "female": Gender.FEMALE}
    gender = genders.get(recipient.gender, Gender.ANDROGYNOUS)
    first = first_name(recipient)
    surname = recipient.surname
    declined = maker.make(NamePart.LASTNAME, gender, Case.DATIVE, surname)
    if recipient.patronymic:
        return f"{first[0]}.{recipient.patronymic[0]}. {declined}"
    first_dative = maker.make(NamePart.FIRSTNAME, gender, Case.DATIVE, first)
    return f"{first_dative} {declined}"


@cache
def _maker() -> Any:
    from pytrovich.maker import PetrovichDeclinationMaker

    return PetrovichDeclinationMaker()


def first_name(recipient: Recipient) -> str:
    """The first word of the name that is not an initial ("Юрий" in "Юрий Чайка")."""
    for word in recipient.name.split():
        if not re.fullmatch(r"\w\.", word):
            return word
    return recipient.name.split()[0]
