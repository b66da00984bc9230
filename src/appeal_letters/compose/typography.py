"""Each language's typographic conventions, applied to every value a letter prints.

The template's ``finalize`` hook passes every ``{{ value }}`` through :func:`typeset`, so the
appeal's text, the recipients' names, the catalogs' phrases and the forms of address all follow
the same rules, and nobody has to type a no-break space into a YAML file:

- French: a narrow no-break space (U+202F) before ``; ! ?`` and inside guillemets, a no-break
  space (U+00A0) before ``:``, after ``M.``/``Mme``/``Mgr`` and inside a date ("29 novembre
  2026" never splits over two lines);
- Russian: no-break spaces inside dates ("9 марта", "2016 г.") and after initials ("Ю.Я. Чайке");
- US English (the US Letter layout): "Mr." and "Ms." with their period, "March 16, 2016"
  (British letters keep the appeal's own words: its requests are quoted word for word);
- a hyphen inside an acronym (OMCT-FIDH) that a line does not break at;
- typographic apostrophes (’) in Latin-script text, where a straight one stands between
  letters ("l'Observatoire", "Prosecutor General's");
- the last two words of a sentence-long value bound when the last is short, so that no
  paragraph ends on a line of one short word;
- never inside an e-mail or web address, which must stay as written.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

from markupsafe import Markup

NBSP = "\u00a0"
NNBSP = "\u202f"

_APOSTROPHE = re.compile(r"(?<=[A-Za-zÀ-ÿ])'(?=[A-Za-zÀ-ÿ])")
_FR_COLON = re.compile(r"(?<=\S)[ \u202f]+:")
_FR_OPEN_GUILLEMET = re.compile(r"«[ \u00a0\u202f]*")
_FR_CLOSE_GUILLEMET = re.compile(r"[ \u00a0\u202f]*»")
#: "ci-dessus", "ci-après": a line never ends on "ci-".
_FR_COMPOUND = re.compile(r"\b([Cc]i)-(dessus|dessous|après|joint|jointe|contre)\b")
_FR_TITLE = re.compile(r"\b(M\.|Mme|Mlle|Mgr|MM\.|Me|Dr)[ ]+(?=\w)")
_FR_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_FR_DATE = re.compile(rf"\b(\d{{1,2}}|1er)[ ]+({_FR_MONTHS})[ ]+(\d{{4}})\b")
_US_TITLE = re.compile(r"\b(Mr|Ms|Mrs|Dr)(?=[ \u00a0])")
_RU_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
_RU_DATE = re.compile(rf"\b(\d{{1,2}}) ({_RU_MONTHS})(?: (\d{{4}}))?\b")
_RU_YEAR = re.compile(r"(\d{4}) (г\.|года\b)")
_RU_INITIALS = re.compile(r"\b(\w\.\w\.) (?=\w)")


def _french(text: str) -> str:
    text = _FR_OPEN_GUILLEMET.sub("«" + NNBSP, text)
    text = _FR_CLOSE_GUILLEMET.sub(NNBSP + "»", text)
    text = re.sub(r"(?<=[^\s\u202f])[ \u00a0\u202f]+([;!?])", NNBSP + r"\1", text)
    text = _FR_COLON.sub(NBSP + ":", text)
    text = _FR_TITLE.sub(lambda m: m.group(1) + NBSP, text)
    text = _FR_COMPOUND.sub("\\1\u2011\\2", text)
    return _FR_DATE.sub(lambda m: NBSP.join(m.groups()), text)


#: An e-mail address or a web address: printed exactly as written, or nobody can use it.
_ADDRESS = re.compile(r"\S*(?:@|://|www\.)\S*")
#: A hyphen inside an acronym ("OMCT-FIDH"): a line never breaks there.
_ACRONYM_HYPHEN = re.compile(r"(?<=[A-Z])-(?=[A-Z])")
_EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_US_DATE = re.compile(rf"\b(\d{{1,2}}) ({_EN_MONTHS}) (\d{{4}})\b")
_US_WRITTEN = re.compile(rf"\b({_EN_MONTHS}) (\d{{1,2}}), (\d{{4}})\b")


#: Texts up to this long are remembered once typeset: most texts of a letter come back for
#: every supporter (labels, the addressee, the body's sentences), and the memory this takes
#: stays bounded (a supporter's long paragraph is typeset each time).
_REMEMBERED = 2000


def typeset(text: str, style: str) -> str:
    """``text`` with the conventions of ``style`` ("fr", "en-US", "en", "es", ...); e-mail
    and web addresses in it are left exactly as they are."""
    return _remembered(text, style) if len(text) <= _REMEMBERED else _typeset_text(text, style)


def _typeset_text(text: str, style: str) -> str:
    parts = _ADDRESS.split(text)
    addresses = _ADDRESS.findall(text)
    done = [_typeset(part, style) for part in parts]
    return "".join(p + (addresses[i] if i < len(addresses) else "") for i, p in enumerate(done))


def _typeset(text: str, style: str) -> str:
    if style != "ar":  # the Arabic face draws U+2011 as a low dash ("OMCT_FIDH")
        text = _ACRONYM_HYPHEN.sub("\u2011", text)
    if style not in ("ru", "ar"):
        text = _APOSTROPHE.sub("’", text)
    if style == "fr":
        text = _french(text)
    elif style == "ru":
        text = _RU_DATE.sub(lambda m: NBSP.join(g for g in m.groups() if g), text)
        text = _RU_YEAR.sub(lambda m: m.group(1) + NBSP + m.group(2), text)
        text = _RU_INITIALS.sub(lambda m: m.group(1) + NBSP, text)
    elif style == "en-US":
        # One date style in a letter: "March 16, 2016", as US usage writes it.
        text = _US_DATE.sub(lambda m: f"{m.group(2)}{NBSP}{m.group(1)},{NBSP}{m.group(3)}", text)
        text = _US_WRITTEN.sub(lambda m: f"{m.group(1)}{NBSP}{m.group(2)},{NBSP}{m.group(3)}", text)
        text = _US_TITLE.sub(r"\1.", text)
    return text


#: The space before the last word of a sentence (punctuation at its end), when that word is
#: short: up to seven letters (no digits: a code such as "OBS 093.1" is not a sentence).
_SHORT_LAST_WORD = re.compile(r" (?=[^\W\d_]{1,7}[.,;:!?»)\u060c\u061b]+$)")


def keep_last_words_together(text: str) -> str:
    """A paragraph-long text whose last word is short ends with it bound to the word before
    (a no-break space), so that no paragraph ends on a line of one short word ("attacks,")
    where the line before can give it a companion. Texts under six words are left alone."""
    if len(text.split()) < 6 or "\n" in text:
        return text
    return _SHORT_LAST_WORD.sub(NBSP, text.rstrip(), count=1)


def style_of(language: str, layout: str) -> str:
    """The typographic style of a letter: its language, and US English on US Letter."""
    return "en-US" if language == "en" and layout == "us" else language


def finalize(context: Any, value: Any) -> Any:
    """Jinja's finalize hook: every printed value, typeset for the letter's style. Markup (a
    macro's HTML) is typeset between its tags only."""
    style = context.get("typography")
    if style is None or value is None:
        return value
    if isinstance(value, Markup):
        markup = str(value)
        typeset_markup = _markup_remembered if len(markup) <= _REMEMBERED else _typeset_markup
        # Safe: tags are kept as they were, every text between them is escaped again.
        return Markup(typeset_markup(markup, style))  # noqa: S704
    if isinstance(value, str):
        return keep_last_words_together(typeset(value, style))
    return value


def _typeset_markup(markup: str, style: str) -> str:
    parts = re.split(r"(<[^>]*>)", markup)
    return "".join(
        part if part.startswith("<") else html.escape(typeset(html.unescape(part), style))
        for part in parts
    )


_remembered = functools.lru_cache(maxsize=8192)(_typeset_text)
_markup_remembered = functools.lru_cache(maxsize=4096)(_typeset_markup)
