"""PDF bytes without WeasyPrint: objects, fonts, tags, letters from shared bodies, bundles.

Knows nothing of appeals or letters (it imports only the shared ground: errors, assets), so
it can be tested alone and replaced if a library does the job as fast.
"""

from .assemble import Assembled, BodyTemplate, Part, body_template, glyphs_used, letter_pdf
from .bundle import BundleReport, write_bundle
from .fonts import Face, glyph_chars, read_face
from .objects import CannotAssemble, Objects
from .tagging import part_tags

__all__ = [
    "Assembled",
    "BodyTemplate",
    "BundleReport",
    "CannotAssemble",
    "Face",
    "Objects",
    "Part",
    "body_template",
    "glyph_chars",
    "glyphs_used",
    "letter_pdf",
    "part_tags",
    "read_face",
    "write_bundle",
]
