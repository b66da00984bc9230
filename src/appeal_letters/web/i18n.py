"""The page's own words in the supporter's language: the same gettext workflow as the letters
(``make catalogs``), in the catalog domain ``web``."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from babel.support import NullTranslations, Translations
from flask import request

from ..assets import package_dir
from ..model import SUPPORTED_LANGUAGES

DOMAIN = "web"
#: Written right to left.
RTL = frozenset({"ar"})
#: Each language named in itself, for the language switch.
NAMES = {"en": "English", "fr": "Français", "es": "Español", "ru": "Русский", "ar": "العربية"}


@cache
def _translations(language: str) -> Translations | NullTranslations:
    if language == "en":
        return NullTranslations()
    return Translations.load(str(package_dir("locale")), [language], DOMAIN)


def gettext_for(language: str) -> Callable[..., str]:
    """``_("Hello %(name)s", name=...)``: Jinja's new-style gettext, for one request."""
    translations = _translations(language)

    def translate(message: str, **values: Any) -> str:
        text = translations.gettext(message)
        return text % values if values else text

    return translate


def page_language(asked: str | None, accept: Any) -> str:
    """The language asked for (``?lang=``), else the browser's first supported, else English."""
    if asked in SUPPORTED_LANGUAGES:
        return str(asked)
    best = accept.best_match(SUPPORTED_LANGUAGES) if accept is not None else None
    return str(best or "en")


def asked_language() -> str:
    """The page's language for this request: ``?lang=``, else the browser's, else English."""
    return page_language(request.args.get("lang"), request.accept_languages)
