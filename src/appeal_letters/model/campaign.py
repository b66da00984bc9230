"""Typed, immutable data: the appeal, its recipients and the supporter who signs.

Validation lives here (pydantic); positions in the source files are added by
:mod:`appeal_letters.load`, which maps pydantic's error locations to lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from typing import Annotated, Any, Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

#: Kinds of office; each has its own form of address (see ``data/forms.yaml``).
Office = Literal[
    "head_of_state",
    "head_of_government",
    "minister",
    "prosecutor_general",
    "ombudsman",
    "ambassador",
    "official",
]
OFFICES: tuple[str, ...] = Office.__args__  # type: ignore[attr-defined]

Gender = Literal["male", "female", "unspecified"]
ChannelKind = Literal["fax", "email", "web_form", "post"]

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
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"'{value}' is not a valid e-mail address: {exc}") from exc


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


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Channels(StrictModel):
    """How an authority can be reached; what the appeal does not give stays empty."""

    fax: list[str] = Field(default_factory=list)
    email: Annotated[list[Email], BeforeValidator(_as_list)] = Field(default_factory=list)
    web_form: Url | None = None

    @field_validator("fax", mode="before")
    @classmethod
    def _fax(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return []
        items = _as_list(value)
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError("give fax numbers as text or a list of texts")
        region = info.context.get("region") if info.context else None
        found: list[str] = []
        for item in items:
            found.extend(n for n in parse_fax_numbers(item, region) if n not in found)
        return found


class Channel(StrictModel):
    """The one channel a letter is addressed by, shown in its address block."""

    kind: ChannelKind
    address: str

    @property
    def display(self) -> str:
        return format_phone(self.address) if self.kind == "fax" else self.address


class LocalizedNames(StrictModel):
    """How a recipient is named in a letter written in another language."""

    honorific: Line | None = None
    name: Line | None = None
    family_name: Line | None = None
    title: Text | None = None
    institution: Text | None = None
    address: list[Line] | None = None
    salutation: Line | None = None
    closing: Line | None = None


class Recipient(StrictModel):
    """One authority to write to, with the facts needed to address them properly."""

    id: Identifier
    office: Office
    gender: Gender = "unspecified"
    honorific: Line
    name: Line
    family_name: Line | None = None
    title: Text
    institution: Text
    country: Country
    language: Language = "en"
    address: list[Line] = Field(default_factory=list, max_length=8)
    salutation: Line | None = None
    closing: Line | None = None
    channels: Channels = Field(default_factory=Channels)
    localized: dict[Language, LocalizedNames] = Field(default_factory=dict)

    def in_language(self, language: str) -> Recipient:
        """This recipient named as a letter in ``language`` names them."""
        if language == self.language:
            return self
        # A salutation written for the recipient's own language does not carry over.
        update: dict[str, Any] = {"salutation": None, "closing": None}
        names = self.localized.get(language)
        if names is not None:
            update |= names.model_dump(exclude_none=True)
        return self.model_copy(update=update)

    @property
    def surname(self) -> str:
        return self.family_name or self.name.split()[-1]

    @property
    def all_channels(self) -> list[Channel]:
        """Every way to reach this authority, in the order letters prefer them."""
        found = [Channel(kind="fax", address=n) for n in self.channels.fax]
        found += [Channel(kind="email", address=e) for e in self.channels.email]
        if self.channels.web_form:
            found.append(Channel(kind="web_form", address=self.channels.web_form))
        if self.address:
            found.append(Channel(kind="post", address=", ".join(self.address)))
        return found

    @property
    def primary_channel(self) -> Channel | None:
        channels = self.all_channels
        return channels[0] if channels else None


def comparable(text: str) -> str:
    """Text as duplicates are compared: NFKC, case-folded, spaces collapsed (so "Ｎo Mail" and
    "no  mail" are one supporter; invisible characters are refused before this)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class Sender(StrictModel):
    """The supporter who signs: name and address make the letter credible and answerable."""

    def identity(self) -> str:
        """Who signs, as a digest: recorded with rendered letters, so that they are sent only
        in the name of the one who signed them (and journaled under one name)."""
        parts = [self.name, *self.address, self.email or ""]
        basis = "\n".join(comparable(part) for part in parts)
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]

    name: Line
    address: list[Line] = Field(min_length=1, max_length=6)
    country: Country | None = None
    email: Email | None = None
    paragraph: Text | None = None

    @field_validator("address", mode="before")
    @classmethod
    def _address_lines(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [line for line in value.splitlines() if line.strip()]
        return value


class AppealText(StrictModel):
    """The part of an appeal a letter quotes, in one language."""

    title: Text
    issuer: Text
    authorities: Text
    summary: Text
    actions: list[Text] = Field(min_length=1, max_length=20)
    office_notes: dict[str, Text] = Field(default_factory=dict)


class Translation(StrictModel):
    """The appeal's text in another language; ``translated_by`` says it is not the issuer's."""

    translated_by: Text
    title: Text | None = None
    issuer: Text | None = None
    authorities: Text | None = None
    summary: Text | None = None
    actions: list[Text] | None = None
    office_notes: dict[str, Text] = Field(default_factory=dict)


class Appeal(StrictModel):
    """The urgent appeal: what happened, what is asked, and the code every reply quotes."""

    code: Line
    title: Text
    issuer: Text
    authorities: Text
    place: Line
    date: dt.date
    country: Line
    language: Language = "en"
    category: Line | None = None
    summary: Text
    actions: list[Text] = Field(min_length=1, max_length=20)
    office_notes: dict[str, Text] = Field(default_factory=dict)
    translations: dict[Language, Translation] = Field(default_factory=dict)

    def missing_in(self, language: str) -> list[str]:
        """The fields a letter in ``language`` would lack (empty: the language is complete)."""
        if language == self.language:
            return []
        translation = self.translations.get(language)
        if translation is None:
            return ["translations." + language]
        missing = [
            f"translations.{language}.{name}"
            for name in ("title", "issuer", "authorities", "summary", "actions")
            if getattr(translation, name) is None
        ]
        missing += [
            f"translations.{language}.office_notes.{key}"
            for key in self.office_notes
            if key not in translation.office_notes
        ]
        return missing

    def text(self, language: str) -> AppealText:
        """The appeal's text in ``language``; call only when :meth:`missing_in` is empty."""
        main = AppealText(
            title=self.title,
            issuer=self.issuer,
            authorities=self.authorities,
            summary=self.summary,
            actions=self.actions,
            office_notes=self.office_notes,
        )
        translation = self.translations.get(language)
        if language == self.language or translation is None:
            return main
        return main.model_copy(
            update=translation.model_dump(exclude_none=True, exclude={"translated_by"})
        )


class Campaign(StrictModel):
    """Everything one render needs, checked as a whole."""

    appeal: Appeal
    recipients: tuple[Recipient, ...]
