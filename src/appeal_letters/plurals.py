"""Counts in messages: "1 authority", "2 authorities", through gettext's ``ngettext``.

Every count a person reads goes through :func:`counted` with both forms written at the call
(``counted(n, "%(count)d authority", "%(count)d authorities")``), so that a catalog for the
messages (babel's ``-k counted:2,3``) can give each language its own plural forms (Russian has
three) instead of an English "s" glued to a word.
"""

from __future__ import annotations

from gettext import ngettext


def counted(count: int, one: str, many: str) -> str:
    """``one`` or ``many`` for ``count``, with ``%(count)d`` filled in."""
    return ngettext(one, many, count) % {"count": count}
