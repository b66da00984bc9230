"""Many supporters' letters: shared bodies, resumable runs, bundles, manifests."""

from .run import BatchOptions, run_batch

__all__ = ["BatchOptions", "run_batch"]
