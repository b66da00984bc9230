"""Share rendering between forked worker processes that start warm.

The first item is done in this process (unless the caller says it need not be), so fonts,
styles and templates are loaded once and inherited by every worker through fork; results come
back in input order.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

#: The function and context of the fork_map in progress: workers inherit them through fork,
#: so neither is pickled (the context holds loaded fonts and open PDFs).
_ACTIVE: tuple[Callable[[Any, Any], Any], Any] | None = None


def _call(item: Any) -> Any:
    """Run in a worker: the inherited function on its inherited context and one item."""
    assert _ACTIVE is not None, "fork_map's function called outside fork_map"
    func, context = _ACTIVE
    return func(context, item)


def fork_map(
    func: Callable[[C, T], R],
    items: Iterable[T],
    context: C,
    *,
    workers: int | None = None,
    min_items: int = 4,
    tasks_per_worker: int | None = None,
    chunksize: int = 1,
    warm: bool = True,
) -> Iterator[R]:
    """``func(context, item)`` for each item, spread over one process per core when there is
    enough to do; results in input order. ``items`` is read as the workers need more (a
    batch's tasks are made from records on disk), from a thread of this process.

    ``warm``: the first item is done here, before the workers are forked, so that what it
    loads (fonts, a body's template) is loaded once and shared; ``warm=False`` when that is
    already loaded and the first item is long (a bundle part), so that it does not wait."""
    global _ACTIVE
    rest = iter(items)
    try:
        first = next(rest)
    except StopIteration:
        return
    _ACTIVE = (func, context)
    try:
        ahead = []
        if warm:
            yield func(context, first)
        else:
            ahead.append(first)
        ahead += itertools.islice(rest, min_items)
        count = workers or os.cpu_count() or 1
        if count < 2 or len(ahead) < min_items or "fork" not in mp.get_all_start_methods():
            for item in itertools.chain(ahead, rest):
                yield func(context, item)
            return
        # Objects made so far stay out of the collector's way in the workers: a collection would
        # write to every object and so copy every page of memory the workers share with us.
        gc.freeze()
        try:
            with mp.get_context("fork").Pool(count, maxtasksperchild=tasks_per_worker) as pool:
                yield from pool.imap(_call, itertools.chain(ahead, rest), chunksize=chunksize)
        finally:
            gc.unfreeze()
    finally:
        _ACTIVE = None
