"""Share rendering between forked worker processes that start warm.

The first item is done in this process, so fonts, styles and templates are loaded once and
inherited by every worker through fork; results come back in input order.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: What workers inherit: set for the length of one fork_map, read by the mapped function.
STATE: dict[str, Any] = {}


def fork_map(
    func: Callable[[T], R],
    items: Sequence[T],
    state: dict[str, Any],
    *,
    workers: int | None = None,
    min_items: int = 4,
    tasks_per_worker: int | None = None,
    chunksize: int = 1,
) -> Iterator[R]:
    """``map(func, items)``, spread over one process per core when there is enough to do."""
    if not items:
        return
    STATE.update(state)
    try:
        yield func(items[0])
        rest = items[1:]
        count = workers or os.cpu_count() or 1
        if count < 2 or len(rest) < min_items or "fork" not in mp.get_all_start_methods():
            yield from map(func, rest)
            return
        # Objects made so far stay out of the collector's way in the workers: a collection would
        # write to every object and so copy every page of memory the workers share with us.
        gc.freeze()
        try:
            with mp.get_context("fork").Pool(count, maxtasksperchild=tasks_per_worker) as pool:
                yield from pool.imap(func, rest, chunksize=chunksize)
        finally:
            gc.unfreeze()
    finally:
        STATE.clear()
