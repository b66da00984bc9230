"""The exceptions the library raises; the CLI turns each into a one-line message.

Every message names the file at fault, so a user can go straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class AppealLettersError(Exception):
    """Base class: anything the user can fix by changing their input or setup."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one input file, with its position (1-based line and column)."""

    file: Path
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ValidationError(AppealLettersError):
    """Input data that does not describe a valid appeal, recipient or sender.

    Carries every problem found, not only the first, so one run shows them all.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


class TemplateError(AppealLettersError):
    """A letter template that cannot be loaded or filled in."""


class RenderError(AppealLettersError):
    """A letter that cannot be turned into a correct PDF (too long, forbidden URL...)."""


class OutputError(AppealLettersError):
    """A letter or manifest that cannot be written where asked."""
