"""From the data to each letter's text: templates, catalogs, forms of address, layouts.

Jinja runs sandboxed; the result is HTML plus the metadata a PDF needs.
"""

from .composer import Composer, Letter, email_text, translations_for
from .coverage import language_coverage
from .layout import LAYOUTS, Layout, choose_layout, default_layout, paper_of
from .return_line import return_line_size
from .review import Finding, late, review, unreachable, untranslated, unverified
from .wording import WORDINGS, largest_shared_share, sentences, wording_of

__all__ = [
    "LAYOUTS",
    "WORDINGS",
    "Composer",
    "Finding",
    "Layout",
    "Letter",
    "choose_layout",
    "default_layout",
    "email_text",
    "language_coverage",
    "largest_shared_share",
    "late",
    "paper_of",
    "return_line_size",
    "review",
    "sentences",
    "translations_for",
    "unreachable",
    "untranslated",
    "unverified",
    "wording_of",
]
