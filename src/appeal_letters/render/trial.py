"""Lay out every authority's letter once, without writing it, to find before anyone renders
what would fail: an address that wraps in an envelope window, a letter past one page.

``check --letters`` and the importer's report use it; a letter takes about 0.1 s, so it is
shared between processes like a render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..compose import Composer, Layout
from ..errors import AppealLettersError
from ..model import Campaign, Recipient, Sender
from ..parallel import fork_map
from .letters import LAYOUT_NAMES, WINDOW, RenderOptions, fit_on_one_page, lines_that_wrap
from .renderer import PdfRenderer, wrapped_lines

#: A sender of ordinary length: what a supporter's lines take in the letterhead and signature.
TRIAL_SENDER = Sender(
    name="Alexandra Example-Supporter", address=["12 Example Street", "10115 Berlin"]
)


@dataclass(frozen=True)
class _Trial:
    composer: Composer
    renderer: PdfRenderer
    campaign: Campaign
    options: RenderOptions


def _try(trial: _Trial, recipient: Recipient) -> str | None:
    try:
        _, document, _, _ = fit_on_one_page(
            trial.composer, trial.renderer, trial.campaign, recipient, TRIAL_SENDER, trial.options
        )
    except AppealLettersError as exc:
        return str(exc)
    wrapped = wrapped_lines(document, WINDOW)
    if wrapped:
        # It fits, on two lines: post sorting reads an address one line per line.
        return (
            f"recipients: {recipient.id}: the address {lines_that_wrap(wrapped)} in the {WINDOW} "
            f"of the {LAYOUT_NAMES[trial.options.layout]} layout; shorten it or split it over two "
            "address lines"
        )
    return None


def trial_layout(
    campaign: Campaign, templates_dir: Path | None, layout: Layout = "din"
) -> list[str]:
    """One message per letter that would not render in ``layout`` (in its recipient's
    language), in the recipients' order."""
    trial = _Trial(
        Composer(templates_dir),
        PdfRenderer(),
        campaign,
        RenderOptions(date=dt.date.today(), layout=layout),
    )
    results = fork_map(_try, list(campaign.recipients), trial, min_items=4)
    return [message for message in results if message]
