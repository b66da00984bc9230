"""The sentence that says where a supporter writes from: one line, in the letter's language.

Officials' staff weigh a letter from an identifiable constituent or resident more than a
campaign form; the town and country the supporter gave are all this sentence states (nothing
is guessed from the postal address). It stands in a zone of one line that a shared body keeps
free, like the signature (batch/bodies.py), so it costs a batch nothing.
"""

from __future__ import annotations

import re
from functools import cache
from gettext import NullTranslations

from babel import Locale

from ..model import Sender


def _(message: str) -> str:
    """Marks a phrase for `make catalogs` (babel.cfg reads this module)."""
    return message


WITH_COUNTRY = _("I live in %(town)s, %(country)s.")
TOWN_ONLY = _("I live in %(town)s.")


#: A trailing explanation in CLDR's names ("Myanmar (Burma)", "Hong Kong (SAR China)"), which
#: would put parentheses inside the sentence's own.
_EXPLAINED = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)$")


@cache  # asked once per supporter and letter in a batch
def country_name(code: str, language: str) -> str | None:
    """The country's name in the letter's language (CLDR, through Babel), without CLDR's
    explanation in parentheses."""
    name = Locale.parse(language).territories.get(code.upper())
    return _EXPLAINED.sub("", name) if name else None


def introduction(sender: Sender, language: str, translations: NullTranslations) -> str | None:
    """ "I live in Lyon, France." in ``language``, or None when the supporter gave no town."""
    if not sender.town:
        return None
    country = country_name(sender.country, language) if sender.country else None
    if country:
        return translations.gettext(WITH_COUNTRY) % {"town": sender.town, "country": country}
    return translations.gettext(TOWN_ONLY) % {"town": sender.town}
