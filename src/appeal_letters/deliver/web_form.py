"""A letter as text to paste into an office's web form, within the form's length.

A web reception takes typed text, not a PDF, and often only so many characters (the
Kremlin's: 2,000, data/channels.yaml). The text is the letter's own (from its HTML, so it says
exactly what the PDF says), and a text longer than the form takes is said to be, by how much:
cutting a letter is the supporter's choice, never the tool's.
"""

from __future__ import annotations

import datetime as dt
import re

from inscriptis import get_text

from ..compose import Composer
from ..model import Campaign, Recipient, Sender


def web_form_text(
    composer: Composer,
    campaign: Campaign,
    recipient: Recipient,
    sender: Sender,
    *,
    language: str,
    day: dt.date,
) -> str:
    """The letter's subject, salutation, text, requests, closing and signature, as text."""
    letter = composer.compose(campaign, recipient, sender, date=day, language=language)
    main = letter.html.split("<main", 1)[-1].split("</main>", 1)[0]
    text = get_text("<main" + main + "</main>")
    # A form's field is plain text: no-break hyphens and spaces (the PDF's typography) as
    # plain ones, which every web reception accepts.
    text = text.translate({0x2011: "-", 0x00A0: " ", 0x202F: " "})
    lines = [" ".join(line.split()) for line in text.splitlines()]
    joined = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", joined) + "\n"
