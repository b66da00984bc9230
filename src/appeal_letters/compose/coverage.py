"""How far letters can be written in each supported language, for `appeal-letters languages`:
the package's catalog of fixed phrases, its forms of address, and the appeal's own text."""

from __future__ import annotations

from dataclasses import dataclass

from ..assets import package_dir
from ..model import SUPPORTED_LANGUAGES, Appeal
from .composer import LOCALE_DOMAIN, _forms


@dataclass(frozen=True)
class LanguageCoverage:
    """How far letters can be written in one language: catalog, forms, appeal text."""

    language: str
    catalog: bool
    forms: bool
    missing: tuple[str, ...]
    translated_by: str | None


def language_coverage(appeal: Appeal) -> list[LanguageCoverage]:
    """For each supported language, what the package and the appeal provide."""
    result = []
    for language in SUPPORTED_LANGUAGES:
        mo = package_dir("locale") / language / "LC_MESSAGES" / f"{LOCALE_DOMAIN}.mo"
        translation = appeal.translations.get(language)
        result.append(
            LanguageCoverage(
                language=language,
                catalog=language == "en" or mo.is_file(),
                forms=language in _forms(),
                missing=tuple(appeal.missing_in(language)),
                translated_by=translation.translated_by if translation else None,
            )
        )
    return result
