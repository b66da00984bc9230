"""From a composed letter to one checked PDF/UA page: WeasyPrint, the one-page fit, files.

The only layer that touches WeasyPrint, and its internals (the box tree) in one module only
(``renderer``); the tests in ``test_weasyprint_contract.py`` name every assumption made there.
"""

from .letters import (
    RenderOptions,
    default_out_dir,
    fit_on_one_page,
    foreign_language,
    refuse_missing_characters,
    render_letter,
    select_recipients,
    write_letters,
)
from .manifest import ManifestEntry, read_manifest
from .renderer import (
    PdfRenderer,
    find_box,
    harfbuzz_subset_available,
    missing_characters,
    wrapped_lines,
)
from .trial import trial_layout

__all__ = [
    "ManifestEntry",
    "PdfRenderer",
    "RenderOptions",
    "default_out_dir",
    "find_box",
    "fit_on_one_page",
    "foreign_language",
    "harfbuzz_subset_available",
    "missing_characters",
    "read_manifest",
    "refuse_missing_characters",
    "render_letter",
    "select_recipients",
    "trial_layout",
    "wrapped_lines",
    "write_letters",
]
