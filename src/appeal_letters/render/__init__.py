"""From a composed letter to one checked PDF/UA page: WeasyPrint, the one-page fit, files.

The only layer that touches WeasyPrint, and its internals in two modules only: the box tree in
``renderer``, the text drawing in ``lines`` (a supporter's lines drawn without a layout); the
tests in ``test_weasyprint_contract.py`` name every assumption made there.
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
from .lines import CannotDraw, LineDrawer, SampleLine, sample_lines
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
    "CannotDraw",
    "LineDrawer",
    "ManifestEntry",
    "PdfRenderer",
    "RenderOptions",
    "SampleLine",
    "default_out_dir",
    "find_box",
    "fit_on_one_page",
    "foreign_language",
    "harfbuzz_subset_available",
    "missing_characters",
    "read_manifest",
    "refuse_missing_characters",
    "render_letter",
    "sample_lines",
    "select_recipients",
    "trial_layout",
    "wrapped_lines",
    "write_letters",
]
