"""Which window-envelope layout and paper a letter uses."""

from __future__ import annotations

from typing import Literal, cast

from ..errors import AppealLettersError

Paper = Literal["a4", "letter"]
#: Window-envelope layouts: DIN 5008 form B (A4), French NF Z 10-011 style (A4, address on the
#: right), US Letter with a #10 window envelope.
Layout = Literal["din", "fr", "us"]
LAYOUTS: tuple[str, ...] = ("din", "fr", "us")
#: Sender countries whose post expects the French layout, or US Letter paper.
FRENCH_LAYOUT_COUNTRIES = frozenset({"FR", "MC", "LU"})
LETTER_PAPER_COUNTRIES = frozenset({"US", "CA", "MX", "PH"})


def paper_of(layout: Layout) -> Paper:
    return "letter" if layout == "us" else "a4"


def default_layout(sender_country: str | None) -> Layout:
    """The layout a sender's post office expects: French, US Letter, or DIN 5008."""
    if sender_country in FRENCH_LAYOUT_COUNTRIES:
        return "fr"
    if sender_country in LETTER_PAPER_COUNTRIES:
        return "us"
    return "din"


def choose_layout(layout: str | None, paper: str | None, sender_country: str | None) -> Layout:
    """The layout asked for (checked against the paper asked for), else the one the paper and
    the sender's country call for."""
    if layout is None:
        if paper == "letter":
            return "us"
        chosen = default_layout(sender_country)
        return "din" if paper == "a4" and chosen == "us" else chosen
    if layout not in LAYOUTS:
        raise AppealLettersError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    if paper is not None and paper_of(cast(Layout, layout)) != paper:
        raise AppealLettersError(f"the {layout} layout is not for {paper} paper")
    return cast(Layout, layout)
