"""What the page hands a supporter for each letter: a preview image and its text, the PDF,
all of them in a ZIP, an ``.eml`` draft with the PDF attached, a short ``mailto:`` link."""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from ..batch import OneLetter
from ..compose import Composer, email_text
from ..deliver import letter_message, letter_subject, mailto_link
from ..files import slugify
from ..model import Campaign, Sender

#: A mail program may cut a longer mailto: link; the letter goes as the attached PDF anyway.
MAILTO_LIMIT = 1800
#: Preview resolution: a page's layout at a glance, about 35 KB; its text follows it.
PREVIEW_DPI = 60


@dataclass(frozen=True)
class Preview:
    png_data_uri: str
    text: str


def file_name(campaign: Campaign, number: int, letter: OneLetter) -> str:
    return f"{number:02d}-{letter.recipient.id}.pdf"


def zip_of(campaign: Campaign, letters: Sequence[OneLetter]) -> bytes:
    """Every letter in one ZIP, named in the order of the page, with a fixed date so that the
    same letters make the same bytes."""
    out = io.BytesIO()
    # Stored, not deflated: a letter's streams are compressed already; deflating them again
    # took 7 ms a request (a tenth of it) to save 7 % of the size.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for number, letter in enumerate(letters, start=1):
            info = zipfile.ZipInfo(file_name(campaign, number, letter), (2020, 1, 1, 0, 0, 0))
            archive.writestr(info, letter.pdf)
    return out.getvalue()


def zip_name(campaign: Campaign) -> str:
    return f"letters-{slugify(campaign.appeal.code)}.zip"


def preview(pdf: bytes) -> Preview:
    """The first page as a PNG (a data: URI, so nothing is stored) and its text."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        # Grey levels: a letter is black on white, and a third of the size of colour.
        image = page.render(scale=PREVIEW_DPI / 72, grayscale=True).to_pil()
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        out = io.BytesIO()
        image.save(out, format="PNG")
    finally:
        document.close()
    encoded = base64.b64encode(out.getvalue()).decode("ascii")
    return Preview(f"data:image/png;base64,{encoded}", " ".join(text.split()))


def eml_of(
    campaign: Campaign,
    sender: Sender,
    letter: OneLetter,
    number: int,
    composer: Composer,
    now: dt.datetime | None = None,
) -> bytes:
    """A draft e-mail to the authority with the PDF attached, for the supporter's mail program."""
    emails = letter.recipient.channels.email
    message = letter_message(
        campaign,
        sender,
        letter.recipient,
        letter.language,
        letter.pdf,
        file_name(campaign, number, letter),
        composer,
        from_address=sender.email,
        to=emails[0] if emails else "",
        cc=tuple(emails[1:]),
        now=now,
    )
    return bytes(message)


def mailto_of(
    campaign: Campaign, sender: Sender, letter: OneLetter, composer: Composer
) -> str | None:
    """A mailto: link with the e-mail's short text (the PDF must be attached by hand), or None
    when the authority has no e-mail address or the link would be too long for a mail program."""
    emails = letter.recipient.channels.email
    if not emails:
        return None
    text = email_text(composer, campaign, letter.recipient, sender, letter.language)
    subject = letter_subject(campaign, letter.language)  # the .eml's subject too
    link = mailto_link(emails[0], emails[1:], subject, text)
    return link if len(link) <= MAILTO_LIMIT else link[: link.index("&body=")]
