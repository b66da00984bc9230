"""fork_map: every item done once, results in order, the first in this process only when warm."""

from __future__ import annotations

import os

import pytest

from appeal_letters.parallel import fork_map


def _where(offset: int, item: int) -> tuple[int, int]:
    return item + offset, os.getpid()


@pytest.mark.parametrize("warm", [True, False])
@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_every_item_once_in_order(count: int, warm: bool) -> None:
    results = list(fork_map(_where, iter(range(count)), 100, workers=2, min_items=2, warm=warm))
    assert [value for value, _ in results] == [100 + n for n in range(count)]
    here = [n for n, (_, pid) in enumerate(results) if pid == os.getpid()]
    if count >= 3 or (count == 2 and not warm):
        # Enough to fork for: the first item is done here only to warm what workers share.
        assert here == ([0] if warm else [])
    else:
        assert here == list(range(count))
