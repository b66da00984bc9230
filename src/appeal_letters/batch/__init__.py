"""Many supporters' letters: shared bodies, resumable runs, bundles, manifests, summaries."""

from .plan import BatchOptions
from .run import BatchResult, FastPathError, run_batch

__all__ = ["BatchOptions", "BatchResult", "FastPathError", "run_batch"]
