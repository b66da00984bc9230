"""Embassies of the appeal's country abroad, by the supporter's country: the page adds the one
in the supporter's own country to their letters, as appeals ask ("also write to the diplomatic
mission of ... in your country")."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from .campaign import Recipient, StrictModel
from .load import load_model
from .values import Country, Text


class Embassy(StrictModel):
    """One embassy, with who checked its contact data and when (absent: not checked)."""

    verified: Text | None = None
    recipient: Recipient


class Embassies(StrictModel):
    """``embassies:`` keyed by the ISO code of the country the embassy is in."""

    embassies: dict[Country, Embassy] = Field(default_factory=dict)


def load_embassies(file: Path) -> Embassies:
    """The embassies file, every problem reported with its line, like the other files."""
    return load_model(file, Embassies, "embassies:\n  BE:\n    recipient: {id: ..., ...}")
