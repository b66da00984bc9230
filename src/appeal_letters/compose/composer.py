"""Compose each letter's HTML from the templates, in a sandbox.

Templates may come from the user's workspace, and every value in them comes from input
files: Jinja runs sandboxed, with autoescape (a name such as ``<b>{{ 7*7 }}</b>`` is printed
as those characters) and StrictUndefined (a misspelt variable is an error, not a blank).
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date
from babel.support import NullTranslations, Translations
from jinja2 import (
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from jinja2 import (
    TemplateError as JinjaTemplateError,
)
from jinja2.exceptions import SecurityError

from ..assets import package_dir
from ..errors import TemplateError
from ..limits import TimeUp, time_limit
from ..model import (
    Appeal,
    Campaign,
    Channel,
    Recipient,
    Sender,
    choose_channel,
)
from .addressee import address_lines, first_name
from .introduction import introduction
from .layout import Layout, paper_of
from .return_line import return_line_size
from .sandbox import ContainedLoader, LimitedSandbox
from .scripts import SCRIPT_FONTS, bidi_groups, script_fonts, text_direction
from .typography import finalize, keep_last_words_together, style_of, typeset
from .wording import wording_of

LETTER_TEMPLATE = "letter.html.j2"
EMAIL_TEMPLATE = "email.txt.j2"

#: Babel locale used for dates in each letter language ("en-US": English on US Letter).
DATE_LOCALES = {
    "en": "en_GB",
    "en-US": "en_US",
    "fr": "fr_FR",
    "es": "es_ES",
    "ru": "ru_RU",
    "ar": "ar",
}
#: US usage for the British closings of ``forms.yaml``.
US_CLOSINGS = {"Yours sincerely,": "Sincerely,", "Yours faithfully,": "Sincerely,"}
LOCALE_DOMAIN = "messages"
RTL_LANGUAGES = frozenset({"ar"})


@dataclass(frozen=True)
class Letter:
    """One composed letter: its HTML and what the manifest and PDF metadata need."""

    recipient: Recipient
    channel: Channel | None
    html: str
    language: str
    warnings: tuple[str, ...] = ()


@cache
def _forms() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (package_dir("data") / "forms.yaml").read_text(encoding="utf-8")
    )
    return loaded


def _fill(pattern: str, recipient: Recipient) -> str:
    """Fill ``{honorific}``, ``{surname}``, ``{first_name}`` and ``{patronymic}``; nothing else
    can be reached from the table."""
    if "{honorific}" in pattern and not recipient.honorific:
        raise TemplateError(
            f"recipients: {recipient.id}: the form of address '{pattern}' needs an honorific; "
            "add `honorific` (Mr, Ms, ...) or write the `salutation` and `closing` yourself"
        )
    honorific = recipient.honorific.split()[-1] if recipient.honorific else ""
    values = {
        "honorific": honorific,
        "surname": recipient.surname,
        "first_name": first_name(recipient) or "",
        "patronymic": recipient.patronymic or "",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), pattern)


def _entry(recipient: Recipient, language: str) -> dict[str, Any]:
    offices = _forms()[language]
    by_gender = offices.get(recipient.office) or offices["official"]
    entry: dict[str, Any] = by_gender.get(recipient.gender) or by_gender["unspecified"]
    return entry


def form_of_address(recipient: Recipient, language: str) -> tuple[str, str]:
    """The salutation and closing proper to this recipient's office, gender and language.

    Where the language salutes a named official by first name and patronymic (Russian) and the
    recipient has a patronymic, that form is used for every office but an ambassador's."""
    entry = _entry(recipient, language)
    pattern = entry["salutation"]
    by_patronymic = _forms()[language].get("patronymic_salutation")
    named = recipient.patronymic and first_name(recipient)
    if by_patronymic and named and recipient.office != "ambassador":
        pattern = by_patronymic.get(recipient.gender, pattern)
    salutation = recipient.salutation or _fill(pattern, recipient)
    closing = recipient.closing or _fill(entry["closing"], recipient)
    return salutation, closing


def recipient_lines(recipient: Recipient, language: str) -> list[str]:
    """The recipient's lines above the postal address, as the language's protocol has them."""
    offices = _forms()[language]
    heads = offices.get("dative_heads") or {}
    feminine = (offices.get(recipient.office) or offices["official"]).get("female")
    return address_lines(recipient, language, _entry(recipient, language), heads, feminine)


@cache
def translations_for(language: str) -> Translations | NullTranslations:
    """The compiled catalog of the letter's fixed phrases (English needs none)."""
    if language == "en":
        return NullTranslations()
    return Translations.load(str(package_dir("locale")), [language], LOCALE_DOMAIN)


#: Longest HTML a letter template may produce (a letter is about 20,000 characters): past it
#: the template is looping or multiplying text, and WeasyPrint would be busy for minutes.
MAX_HTML = 500_000
#: Longest the template may take to fill in (a letter takes a few milliseconds).
COMPOSE_SECONDS = 20


class Composer:
    """Fills the letter template; one instance serves every letter of a run."""

    def __init__(self, user_templates: Path | None = None) -> None:
        self.search = [str(package_dir("templates"))]
        self.user_templates = user_templates if user_templates and user_templates.is_dir() else None
        if self.user_templates:
            self.search.insert(0, str(self.user_templates))
        self._templates: dict[tuple[str, str], Template] = {}
        #: (appeal, recipient, language) -> the script faces their texts need (see _appeal_faces)
        self._script_faces: dict[tuple[int, str, str], tuple[Any, Any, frozenset[str]]] = {}
        self.template_for("en")  # report a missing or broken template before any work

    def template_for(self, language: str, name: str = LETTER_TEMPLATE) -> Template:
        """A template with the fixed phrases of ``language`` installed."""
        if (language, name) not in self._templates:
            env = LimitedSandbox(
                loader=ContainedLoader(self.search),
                # HTML is escaped; the plain-text e-mail (email.txt.j2) is not HTML.
                autoescape=select_autoescape(["html.j2", "html"], default_for_string=True),
                undefined=StrictUndefined,
                finalize=pass_context(finalize),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.filters["bidi"] = text_direction
            env.filters["bidi_groups"] = bidi_groups
            env.filters["return_size"] = return_line_size
            env.install_gettext_translations(  # type: ignore[attr-defined]
                translations_for(language), newstyle=True
            )
            try:
                self._templates[language, name] = env.get_template(name)
            except TemplateNotFound as exc:
                raise TemplateError(f"{name}: template not found in {self.search}") from exc
            except UnicodeDecodeError as exc:
                raise TemplateError(
                    f"{name}: not UTF-8 text (byte {exc.start}); save the template as UTF-8"
                ) from None
            except TemplateSyntaxError as exc:
                raise TemplateError(
                    f"{exc.filename or exc.name}:{exc.lineno}: template syntax: {exc.message}"
                ) from exc
        return self._templates[language, name]

    @staticmethod
    def introduction(sender: Sender, language: str, layout: Layout) -> str:
        """The supporter's sentence as a letter prints it ("" without a town): typeset, its last
        words kept together as the template's output filter keeps them (a batch checks each
        supporter's glyphs against this text: a no-break space missing here made every
        "United Kingdom" supporter's lines be laid out again on their own)."""
        text = introduction(sender, language, translations_for(language))
        return keep_last_words_together(typeset(text, style_of(language, layout))) if text else ""

    def script_faces(
        self, campaign: Campaign, recipient: Recipient, sender: Sender, language: str
    ) -> tuple[str, ...]:
        """The faces for other scripts a letter with ``sender``'s lines alone loads: they are in
        its font list, so a character the main faces lack (a minus sign in Noto Serif
        Devanagari) is drawn in one. Lines drawn in another supporter's style (batch/drawn.py)
        must have the same list. The appeal's part is found once per recipient and language."""
        appeal = campaign.appeal
        if appeal.missing_in(language):
            language = appeal.language
        families = self._faces(appeal, recipient, [sender], language)
        return tuple(family for family in SCRIPT_FONTS if family in families)

    def _faces(
        self, appeal: Appeal, recipient: Recipient, senders: Sequence[Sender], language: str
    ) -> frozenset[str]:
        """The script faces a letter to ``recipient`` with ``senders``' lines needs."""
        own = {family for family, _ in script_fonts(_sender_texts(senders, language))}
        return self._appeal_faces(appeal, recipient, language) | own

    def _appeal_faces(self, appeal: Appeal, recipient: Recipient, language: str) -> frozenset[str]:
        """The script faces the appeal's text and the recipient's lines need in ``language``:
        found once per recipient (compared by value: a recipient given again with another name
        is looked at again) and language (reading the appeal's text for each supporter's
        letter cost a batch more than its supporters' own lines)."""
        key = (id(appeal), recipient.id, language)
        kept = self._script_faces.get(key)
        # By value: a worker's tasks bring the same recipients as new objects, task after task.
        if (
            kept is None
            or kept[0] is not appeal
            or not (kept[1] is recipient or kept[1] == recipient)
        ):
            texts = _appeal_texts(appeal, language, recipient.in_language(language))
            families = {family for family, _ in script_fonts(texts)}
            kept = self._script_faces[key] = (appeal, recipient, frozenset(families))
        return kept[2]

    def compose(
        self,
        campaign: Campaign,
        recipient: Recipient,
        sender: Sender,
        *,
        date: dt.date,
        layout: Layout = "din",
        font_scale: float = 1.0,
        language: str | None = None,
        part: str = "full",
        senders: Sequence[Sender] = (),
        wording: int | None = None,
        intro_top: float = 0.0,
        introduced: bool = False,
    ) -> Letter:
        """Fill the template for one recipient; raises TemplateError with file and line.

        ``senders``: for ``part="personal"``, the supporters whose lines one document holds
        (default: ``sender`` alone). ``wording``: which of the template's wordings (default:
        the sender's, ``wording_of``; a shared body names it, having no sender).
        ``intro_top``: for ``part="personal"``, where the body keeps the introduction's line;
        ``introduced``: for ``part="body"``, whether it keeps that line (its supporters gave a
        town).

        The letter is in ``language`` (default: the recipient's). Where the appeal lacks that
        language, the whole letter falls back to the appeal's own language, with a warning:
        never a half-translated letter.
        """
        appeal = campaign.appeal
        language = language or recipient.language
        warnings: list[str] = []
        missing = appeal.missing_in(language)
        if missing:
            warnings.append(
                f"letter to {recipient.id} is in '{appeal.language}', not '{language}': the "
                f"appeal lacks {', '.join(missing)}"
            )
            language = appeal.language
        named = recipient.in_language(language)
        salutation, closing = form_of_address(named, language)
        faces = self._faces(appeal, recipient, senders or [sender], language)
        style = style_of(language, layout)
        if style == "en-US":
            closing = US_CLOSINGS.get(closing, closing)
        # The rules in force when it goes out: today's, or the letter's own date if later.
        channel = choose_channel(recipient, max(date, dt.date.today())).channel
        context = {
            "appeal": appeal,
            "text": appeal.text(language),
            "recipient": named,
            "sender": sender,
            "channel": channel,
            "salutation": salutation,
            "recipient_lines": recipient_lines(named, language),
            "greeting": _forms()[language].get("greeting"),
            "closing": closing,
            "office_note": _office_note(appeal, recipient, language),
            "paragraph": sender.paragraph,
            "introduce": lambda someone: introduction(
                someone, language, translations_for(language)
            ),
            "letter_date": format_date(date, "long", locale=DATE_LOCALES[style]),
            "appeal_date": format_date(appeal.date, "long", locale=DATE_LOCALES[style]),
            "typography": style,
            "wording": wording_of(sender) if wording is None else wording,
            "language": language,
            "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
            "paper": paper_of(layout),
            "layout": layout,
            "font_scale": font_scale,
            "part": part,
            "intro_top": intro_top,
            "introduced": introduced,
            "senders": list(senders) or [sender],
            "script_fonts": [
                (family, stem) for family, (stem, _) in SCRIPT_FONTS.items() if family in faces
            ],
        }
        html = _render(self.template_for(language), context)
        return Letter(
            recipient=recipient,
            channel=channel,
            html=html,
            language=language,
            warnings=tuple(warnings),
        )


def _appeal_texts(appeal: Appeal, language: str, recipient: Recipient) -> list[str | None]:
    """Every text of the appeal and the recipient a letter may print, to choose its faces."""
    text = appeal.text(language)
    found: list[str | None] = [appeal.code, text.title, text.summary, *text.actions]
    found += list(text.office_notes.values())
    found += [recipient.name, recipient.title, recipient.institution, *(recipient.address or [])]
    return found


def _sender_texts(senders: Sequence[Sender], language: str) -> list[str | None]:
    """Every text of the supporters' own a letter may print, to choose its faces."""
    found: list[str | None] = []
    for sender in senders:
        found += [sender.name, *sender.address, sender.email, sender.paragraph]
        found.append(introduction(sender, language, translations_for(language)))
    return found


def email_text(
    composer: Composer, campaign: Campaign, recipient: Recipient, sender: Sender, language: str
) -> str:
    """The plain-text body of the e-mail that carries a letter, in the letter's language."""
    named = recipient.in_language(language)
    salutation, closing = form_of_address(named, language)
    context = {
        "appeal": campaign.appeal,
        "text": campaign.appeal.text(language),
        "sender": sender,
        "salutation": salutation,
        "closing": closing,
    }
    return _render(composer.template_for(language, EMAIL_TEMPLATE), context).strip() + "\n"


def _office_note(appeal: Appeal, recipient: Recipient, language: str) -> str | None:
    notes = appeal.text(language).office_notes
    return notes.get(recipient.id) or notes.get(recipient.office)


def _render(template: Template, context: dict[str, Any]) -> str:
    """The template filled in, stopped as soon as it grows past MAX_HTML or takes longer than
    COMPOSE_SECONDS (nested loops)."""
    parts: list[str] = []
    size = 0
    try:
        with time_limit(COMPOSE_SECONDS):
            for chunk in template.generate(context):
                size += len(chunk)
                if size > MAX_HTML:
                    raise TemplateError(
                        f"{template.filename}: the letter grows past {MAX_HTML} characters (a "
                        "letter is about 20,000); check the template for a runaway loop"
                    )
                parts.append(chunk)
    except TimeUp:
        raise TemplateError(
            f"{template.filename}: filling in the template took more than {COMPOSE_SECONDS} s; "
            "check it for a runaway loop"
        ) from None
    except JinjaTemplateError as exc:
        raise TemplateError(_template_error(exc)) from exc
    except (OverflowError, ValueError, RecursionError) as exc:  # range(10**9), int('9'*5000)
        raise TemplateError(f"{_where(exc)}: {exc}; check the template") from exc
    return "".join(parts)


def _where(exc: BaseException) -> str:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and frame.filename.endswith((".j2", ".css", ".html")):
            return f"{frame.filename}:{frame.lineno}"
    return "template"


def _template_error(exc: JinjaTemplateError) -> str:
    """``letter.html.j2:12: 'foo' is undefined`` from a Jinja error's traceback."""
    if isinstance(exc, SecurityError):
        return f"{_where(exc)}: {exc.message or exc}"
    return f"{_where(exc)}: {exc.message or exc}; check the variable names in the template"
