"""The values every field is checked as: safe text, country and language codes, e-mail and web
addresses, fax numbers. Kept apart from the records (:mod:`.campaign`) so that the importer
and the records check a value the same way.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, StringConstraints

#: Languages whose forms of address and letter text (catalogs) ship with the package.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ru", "ar")

#: Never in any text: C0 and C1 controls (tab and line breaks aside, where allowed), bidi
#: overrides and isolates (they make a PDF show one name while its metadata says another),
#: and invisible characters that make two equal names differ. ZWJ and ZWNJ are kept: Arabic and
#: Indic scripts need them.
_SPOOFING = (
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\u2800\u3164\ufeff\uffa0"
)
#: One line (a name, an address line, the appeal code: what reaches an address block or an
#: e-mail header): no line break of any kind, and not even the bidi marks.
LINE_PATTERN = rf"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c{_SPOOFING}]*$"
#: What a message never shows raw to a terminal (a regex class; line feeds are allowed): the
#: same characters, which could also move the cursor, recolour the screen or reorder a line.
TERMINAL_UNSAFE = f"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c{_SPOOFING}]"
#: Running text (a summary, an action): line breaks and bidi marks allowed, not the Unicode
#: line separators (no font draws them).
TEXT_PATTERN = rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_SPOOFING}]*$"


def _visible(value: str) -> str:
    """Some letter, digit, punctuation or symbol: a name of blanks signs nothing."""
    if not any(unicodedata.category(char)[0] in "LNPS" for char in value):
        raise ValueError("has no visible character")
    return value


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000, pattern=TEXT_PATTERN),
    AfterValidator(_visible),
]
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=LINE_PATTERN),
    AfterValidator(_visible),
]
Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"),
]


def _check_country(value: str) -> str:
    code = value.upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"'{value}' is not an ISO 3166 two-letter country code (e.g. RU, FR, BE)")
    return code


def _check_language(value: str) -> str:
    if value not in SUPPORTED_LANGUAGES:
        supported = ", ".join(SUPPORTED_LANGUAGES)
        raise ValueError(f"language '{value}' is not supported yet (supported: {supported})")
    return value


def check_email(value: str) -> str:
    """The address as every mail server and message can carry it: a domain with other letters
    in its ASCII form (``xn--``); an address with such letters before the @ is refused, since
    many servers, and plain e-mail headers, cannot carry it."""
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"'{value}' is not a valid e-mail address: {exc}") from exc
    if checked.ascii_email is None:
        raise ValueError(
            f"'{value}' has letters other than a-z before the @, which many mail servers "
            "refuse; give another address"
        )
    return str(checked.ascii_email)


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", value):
        raise ValueError(f"'{value}' is not a web address starting with https:// or http://")
    return value


Country = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_country)]
Language = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_language)]
Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(check_email)]
Url = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_url)]


def parse_fax_numbers(text: str, region: str | None) -> list[str]:
    """Read fax numbers as appeals write them and return them in E.164, without duplicates.

    Appeals separate numbers with ``;`` or ``,`` and give alternatives after a ``/``
    that repeat only the last digits: ``+7 495 606 5173 / 630 2408`` is two numbers,
    the second ``+7 495 630 2408``. A trunk prefix such as ``(0)`` is dropped.
    """
    numbers: list[str] = []
    for chunk in re.split(r"[;,]", text):
        previous: str | None = None
        for part in chunk.split("/"):
            part = part.strip()
            if not part:
                continue
            digits = re.sub(r"\D", "", part)
            if previous and "+" not in part and len(digits) < len(previous):
                part = "+" + previous[: len(previous) - len(digits)] + digits
            try:
                number = phonenumbers.parse(part, region)
            except phonenumbers.NumberParseException as exc:
                raise ValueError(f"'{part}' is not a phone number: {exc}") from exc
            if not phonenumbers.is_valid_number(number):
                where = phonenumbers.region_code_for_number(number) or region or "any country"
                hint = (
                    "check the digits"
                    if "+" in part
                    else (
                        "check the digits or write it with its country code, e.g. +7 495 606 5173"
                    )
                )
                raise ValueError(f"'{part}' is not a valid phone number for {where}; {hint}")
            if number.extension:
                # A fax gateway dials the number alone: the extension would be lost unseen.
                raise ValueError(
                    f"'{part}' has an extension ({number.extension}) that a fax cannot dial; "
                    "ask the office for a direct fax number"
                )
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in numbers:
                numbers.append(e164)
            previous = e164[1:]
    return numbers


def format_phone(e164: str) -> str:
    """Show an E.164 number the international way people read it: ``+7 495 692-17-25``."""
    number = phonenumbers.parse(e164, None)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
