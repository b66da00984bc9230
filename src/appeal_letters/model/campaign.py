"""Typed, immutable data: the appeal, its recipients and the supporter who signs.

Validation lives here (pydantic); positions in the source files are added by
:mod:`appeal_letters.load`, which maps pydantic's error locations to lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .values import (
    Country,
    Email,
    Identifier,
    Language,
    Line,
    Text,
    Url,
    format_phone,
    parse_fax_numbers,
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
#: What a letter asks of its reader: an ``authority`` is asked to act itself ("I urge you
#: to:"), an ``advocate`` (an ombudsman, an advisory council) to press the authorities, an
#: ``intermediary`` (an ambassador) to convey the requests to them.
Role = Literal["authority", "advocate", "intermediary"]
DEFAULT_ROLES: dict[str, Role] = {"ambassador": "intermediary", "ombudsman": "advocate"}
ChannelKind = Literal["fax", "email", "web_form", "post"]


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
    patronymic: Line | None = None
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
    honorific: Line | None = None
    name: Line
    family_name: Line | None = None
    #: The father's name Russian usage addresses a person by ("Уважаемый Юрий Яковлевич!")
    #: and abbreviates in the address block ("Ю.Я. Чайке"); usually under ``localized.ru``.
    patronymic: Line | None = None
    title: Text
    institution: Text | None = None
    country: Country
    #: The language letters to this authority are written in, unless asked otherwise.
    language: Language = "en"
    #: The language the fields above are written in (default: ``language``). An appeal may give
    #: an official's title in English and ask for letters in Spanish: ``written_in: en``,
    #: ``language: es`` and the Spanish names under ``localized.es``.
    written_in: Language | None = None
    address: list[Line] = Field(default_factory=list, max_length=8)
    #: Default: ``intermediary`` for ambassadors, ``advocate`` for ombudsmen, else ``authority``.
    role: Role | None = None
    #: The day someone checked that this person still holds the office (office holders change).
    verified: dt.date | None = None

    @field_validator("verified", mode="before")
    @classmethod
    def _checked_day(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value) if len(value) == 10 else None
            except ValueError:
                value = None
            if value is None:
                raise ValueError("write the day you checked as YYYY-MM-DD")
        if isinstance(value, dt.datetime) or (value is not None and not isinstance(value, dt.date)):
            raise ValueError("write the day you checked as YYYY-MM-DD")
        if value is not None and value > dt.date.today():
            raise ValueError(f"{value.isoformat()} is in the future; write the day you checked")
        return value

    salutation: Line | None = None
    closing: Line | None = None
    channels: Channels = Field(default_factory=Channels)
    #: The channels to try, in order (default: fax, e-mail, web form, post), before the
    #: country's rules set aside those its authorities do not consider (data/channels.yaml).
    prefer: list[ChannelKind] = Field(default_factory=list, max_length=4)
    localized: dict[Language, LocalizedNames] = Field(default_factory=dict)

    @field_validator("prefer")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("name each channel once")
        return value

    @model_validator(mode="after")
    def _preferred_channels_exist(self) -> Recipient:
        have = {c.kind for c in self.all_channels}
        missing = [kind for kind in self.prefer if kind not in have]
        if missing:
            raise ValueError(
                f"prefer names {', '.join(missing)}, which this recipient has no "
                "address or number for; add it under channels (or address) or leave it out"
            )
        return self

    @property
    def fields_language(self) -> str:
        """The language the recipient's own fields are written in."""
        return self.written_in or self.language

    def in_language(self, language: str) -> Recipient:
        """This recipient named as a letter in ``language`` names them: ``localized`` entries
        for that language win (for every language, the recipient's own included)."""
        update: dict[str, Any] = {}
        if language != self.fields_language:
            # A salutation written in another language does not carry over.
            update = {"salutation": None, "closing": None}
        names = self.localized.get(language)
        if names is not None:
            update |= names.model_dump(exclude_none=True)
        return self.model_copy(update=update) if update else self

    def untranslated_in(self, language: str) -> list[str]:
        """The fields a letter in ``language`` would print in another language."""
        if language == self.fields_language:
            return []
        names = self.localized.get(language) or LocalizedNames()
        return [
            f"localized.{language}.{name}"
            for name in ("title", "institution")
            if getattr(names, name) is None
        ]

    @property
    def asked_as(self) -> Role:
        """What the letter asks of this reader (``role``, or the office's usual one)."""
        return self.role or DEFAULT_ROLES.get(self.office, "authority")

    @property
    def full_name(self) -> str:
        """Honorific and name, as the address block prints them."""
        return f"{self.honorific} {self.name}" if self.honorific else self.name

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
    #: The town as the supporter names it, for the sentence that says where they write from
    #: (its line of the address is in ``address``; nothing is read back out of that).
    town: Line | None = None
    country: Country | None = None
    email: Email | None = None
    paragraph: Text | None = None

    @field_validator("name")
    @classmethod
    def _no_encoded_words(cls, value: str) -> str:
        # "=?utf-8?q?...?=" is read by mail programs as encoded text; on Pythons before
        # 3.11.10 / 3.12.5 (CVE-2024-6923) it could even put a header of its own in a message.
        if "=?" in value:
            raise ValueError(
                "contains '=?', which e-mail programs read as encoded text; write the name "
                "without it"
            )
        return value

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
    authorities: Text | None
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
    #: Whom the actions are asked of, as it reads after "I urge" ("the authorities of ...");
    #: absent when the appeal asks the official addressed ("I urge you to ..."), as Amnesty's do.
    authorities: Text | None = None
    place: Line | None = None
    date: dt.date
    country: Line
    language: Language = "en"
    category: Line | None = None
    #: The issuer's own reference beside the code (Amnesty's "Index: AMR 41/8234/2018").
    index: Line | None = None
    #: Letters dated after this day are late: ``render`` and ``batch`` say so.
    deadline: dt.date | None = None
    #: Which update this is: 1 for the first one (Observatory ".1", Amnesty "SECOND UA").
    update: int | None = Field(default=None, ge=1, le=99)
    #: Codes of the appeals this one follows, as the appeal quotes them.
    earlier_codes: list[Line] = Field(default_factory=list, max_length=20)
    #: What the appeal asks beyond these letters ("also write to the embassy in your country").
    copies_to: list[Text] = Field(default_factory=list, max_length=10)
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
            if getattr(translation, name) is None and getattr(self, name) is not None
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
