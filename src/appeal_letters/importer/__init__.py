"""From a published urgent appeal (text, web page, PDF, e-mail, Word) to a workspace to review.

The importer reads; it never invents. Every value keeps the line it came from, what is derived
or uncertain is marked "check:", and what the appeal does not say stays empty.
"""

from .found import Addressee, Found, Imported
from .read import read_appeal
from .source import KINDS, ImportError_, Source, read_source
from .workspace import FILES, Written, write_workspace

__all__ = [
    "FILES",
    "KINDS",
    "Addressee",
    "Found",
    "ImportError_",
    "Imported",
    "Source",
    "Written",
    "read_appeal",
    "read_source",
    "write_workspace",
]
