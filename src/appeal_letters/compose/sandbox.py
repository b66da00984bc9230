"""Jinja's sandbox, held to a ceiling, and a loader that stays in its folders.

Templates may come from the user's workspace: input like any other. The sandbox stops
``'x' * 10**7``, ``9 ** (9 ** 7)`` and calls that build huge values; the loader refuses a
template that links out of its folder.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import TemplateError

#: Longest string or list an expression may build, and the largest power it may compute.
MAX_VALUE = 100_000
MAX_POWER_BITS = 4096


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, with a ceiling on the values a template can build (``'x' * 10**7``,
    ``9 ** (9 ** 7)``): a template from a workspace is input like any other."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Filters are called without the sandbox's call(): held to the same ceiling.
        self.filters = {name: _limited(func) for name, func in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _power_bits(left, right) > MAX_POWER_BITS:
            raise SecurityError(f"{left} ** {right} is too large a number for a letter")
        if operator == "*":
            size = max(_repeated_size(left, right), _repeated_size(right, left))
            if size > MAX_VALUE:
                raise SecurityError(f"a text or list of {size} items is too long for a letter")
        return super().call_binop(context, operator, left, right)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Any call a template makes ('{:>80000000}'.format(1), 'x'.center(10**8)...)."""
        return _held(super().call, __context, __obj, *args, **kwargs)


def _held(func: Any, *args: Any, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` with its numeric arguments and its result held to MAX_VALUE."""
    for value in (*args, *kwargs.values()):
        if _is_int(value) and value > MAX_VALUE:
            raise SecurityError(f"{value} is too large an argument for a letter")
    result = func(*args, **kwargs)
    if isinstance(result, str | list | tuple) and len(result) > MAX_VALUE:
        raise SecurityError(f"a text or list of {len(result)} items is too long for a letter")
    return result


def _limited(func: Any) -> Any:
    """A filter held to MAX_VALUE like any other call (filters bypass the sandbox's call)."""

    @functools.wraps(func)
    def limited(*args: Any, **kwargs: Any) -> Any:
        return _held(func, *args, **kwargs)

    return limited


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _power_bits(base: Any, exponent: Any) -> int:
    """About how many bits ``base ** exponent`` has (0 when it is small or not integers)."""
    if not (_is_int(base) and _is_int(exponent)) or exponent <= 0 or abs(base) < 2:
        return 0
    return int(exponent * abs(base).bit_length())


def _repeated_size(sequence: Any, count: Any) -> int:
    """The length of ``sequence * count`` for a text or list (0 for numbers)."""
    if isinstance(sequence, str | list | tuple) and _is_int(count):
        return len(sequence) * int(count)
    return 0


class ContainedLoader(FileSystemLoader):
    """Loads templates from the search folders only: a link in a templates folder that points
    elsewhere (``letter.css -> /etc/passwd``) is refused, as the PDF renderer refuses it."""

    def get_source(self, environment: Any, template: str) -> Any:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        roots = [Path(folder).resolve() for folder in self.searchpath]
        if not any(real.is_relative_to(root) for root in roots):
            raise TemplateError(
                f"{filename}: a link to {real}, outside the templates folder; copy the file in"
            )
        return source, filename, uptodate
