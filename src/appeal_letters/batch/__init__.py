"""Many supporters' letters: shared bodies, resumable runs, bundles, manifests, summaries."""

from .plan import BatchOptions
from .progress import is_batch_folder
from .run import BatchResult, FastPathError, run_batch
from .single import LetterShop, OneLetter

__all__ = [
    "BatchOptions",
    "BatchResult",
    "FastPathError",
    "LetterShop",
    "OneLetter",
    "is_batch_folder",
    "run_batch",
]
