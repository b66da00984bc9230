"""Build the messages that carry letters: to an authority's e-mail, or to a fax gateway.

Also decides, for each letter, how it can go: by e-mail, by fax through the configured
gateway, or by hand (web form, post, no channel), with instructions for the last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from ..compose import Composer, email_text, translations_for
from ..errors import AppealLettersError
from ..files import atomic_write, safe_child
from ..model import (
    CHANNEL_NAMES,
    Campaign,
    Recipient,
    Sender,
    choose_channel,
    comparable,
    format_phone,
)
from ..render import ManifestEntry, read_manifest
from .config import DeliveryConfig
from .web_form import web_form_text

Route = Literal["email", "fax"]


@dataclass(frozen=True)
class Outgoing:
    """One letter ready to leave by e-mail (to the authority or to a fax gateway)."""

    entry: ManifestEntry
    recipient: Recipient
    route: Route
    to: str
    message: EmailMessage
    #: The authority's other e-mail addresses, in Cc: an appeal that gives two addresses for
    #: an office means both.
    cc: tuple[str, ...] = ()

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass(frozen=True)
class ByHand:
    """A letter the tool cannot send: what the supporter should do with it."""

    entry: ManifestEntry
    recipient: Recipient
    instructions: str


def supporter_key(sender: Sender) -> str:
    """How the journal tells supporters apart: their e-mail, else their name, compared as
    Sender.identity compares them (so "Jane.Doe@" and "jane.doe@" are one supporter)."""
    return comparable(sender.email or sender.name)


def rendered_letters(folder: Path, campaign: Campaign, sender: Sender) -> list[ManifestEntry]:
    """The letters rendered in ``folder``, each checked against its sha256, after checking that
    they are this appeal's and were signed by ``sender``: letters go out only in the name of
    the one who signed them (and are journaled under that one name)."""
    where = folder / "manifest.json"
    code, signer, entries = read_manifest(folder)
    if code != campaign.appeal.code:
        raise AppealLettersError(f"{where}: letters for appeal {code}, not {campaign.appeal.code}")
    if signer is None:
        raise AppealLettersError(
            f"{where}: written by an older version, without its signer; render the letters again"
        )
    if signer != sender.identity():
        raise AppealLettersError(
            f"{where}: these letters were signed by another sender than the one given (name, "
            "address and e-mail must be the same); give the sender they were rendered for, or "
            "render them again"
        )
    return entries


def from_address(config: DeliveryConfig, sender: Sender) -> str:
    address = config.from_address or sender.email
    if not address:
        raise AppealLettersError(
            "no address to send from: add `email:` to the sender, or `from:` to delivery.yaml"
        )
    return address


def plan(
    campaign: Campaign,
    sender: Sender,
    folder: Path,
    entries: list[ManifestEntry],
    config: DeliveryConfig,
    composer: Composer,
    *,
    test_to: str | None = None,
    copy_to_sender: bool = False,
    force_email: frozenset[str] = frozenset(),
    now: dt.datetime | None = None,
) -> tuple[list[Outgoing], list[ByHand]]:
    """Sort the rendered letters into messages to send and letters to deliver by hand.

    ``force_email``: recipient ids whose letters go by e-mail even where the channel rules set
    e-mail aside (the user checked that this office takes it): the one way past a rule."""
    recipients = {r.id: r for r in campaign.recipients}
    for rid in sorted(force_email):
        if rid not in recipients:
            raise AppealLettersError(f"--force-email {rid}: no such recipient")
        if not recipients[rid].channels.email:
            raise AppealLettersError(
                f"--force-email {rid}: the recipients files give no e-mail address for them"
            )
    outgoing: list[Outgoing] = []
    by_hand: list[ByHand] = []
    for entry in entries:
        recipient = recipients.get(entry.recipient_id)
        if recipient is None:
            raise AppealLettersError(
                f"{folder / 'manifest.json'}: letter to '{entry.recipient_id}', who is not in "
                "the recipients files; render again"
            )
        _check_channel(entry, recipient, folder, (now or dt.datetime.now(dt.UTC)).date())
        route, to, why = _route(entry, config)
        if recipient.id in force_email:
            route, to = "email", recipient.channels.email[0]
        if route is None or to is None:
            if entry.channel == "web_form":
                why = _web_form_text(campaign, sender, recipient, entry, folder, composer, now)
            by_hand.append(ByHand(entry, recipient, why))
            continue
        cc = (
            tuple(a for a in recipient.channels.email if a != to)
            if route == "email" and test_to is None
            else ()
        )
        message = build_message(
            campaign,
            sender,
            recipient,
            entry,
            folder,
            config,
            composer,
            to=test_to or to,
            cc=cc,
            test=test_to is not None,
            copy_to_sender=copy_to_sender,
            now=now,
        )
        outgoing.append(Outgoing(entry, recipient, route, to, message, cc))
    return outgoing, by_hand


def _check_channel(entry: ManifestEntry, recipient: Recipient, folder: Path, day: dt.date) -> None:
    """Letters go where ``recipients.yaml`` and the channel rules say, never where a manifest
    (a file anyone can edit) says: a manifest that disagrees is refused, and a channel the
    rules set aside (e-mail to a Russian ministry) is refused with the rule's reason."""
    choice = choose_channel(recipient, day)
    channel = choice.channel
    expected = (channel.kind, channel.address) if channel else (None, None)
    listed = (entry.channel, entry.channel_address)
    for excluded in choice.excluded:
        if listed == (excluded.kind, excluded.address):
            raise AppealLettersError(
                f"{folder / 'manifest.json'}: the letter to {recipient.id} is for "
                f"{CHANNEL_NAMES[excluded.kind]} {excluded.display}, which is not used: "
                f"{choice.why[0]}; render the letters again"
            )
    if listed != expected:
        now = f"{expected[0]} {expected[1]}" if channel else "no channel"
        raise AppealLettersError(
            f"{folder / 'manifest.json'}: the letter to {recipient.id} is listed for "
            f"{entry.channel} {entry.channel_address}, but the recipients files say {now}; "
            "render the letters again"
        )


def _route(entry: ManifestEntry, config: DeliveryConfig) -> tuple[Route | None, str | None, str]:
    address = entry.channel_address or ""
    if entry.channel == "email":
        return "email", address, ""
    if entry.channel == "fax":
        gateway = config.fax_address(address)
        if gateway:
            return "fax", gateway, ""
        return (
            None,
            None,
            (
                f"fax it to {format_phone(address)} (no fax gateway: set fax_gateway in "
                "delivery.yaml to send faxes by e-mail)"
            ),
        )
    if entry.channel == "web_form":
        return None, None, f"paste the letter into the web form at {address}"
    if entry.channel == "post":
        return None, None, f"print it and post it in a window envelope to: {address}"
    return None, None, "no channel is known for this authority: find one you can trust first"


def build_message(
    campaign: Campaign,
    sender: Sender,
    recipient: Recipient,
    entry: ManifestEntry,
    folder: Path,
    config: DeliveryConfig,
    composer: Composer,
    *,
    to: str,
    cc: tuple[str, ...] = (),
    test: bool = False,
    copy_to_sender: bool = False,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """A plain-text e-mail in the letter's language with the PDF attached."""
    message = letter_message(
        campaign,
        sender,
        recipient,
        entry.language,
        safe_child(folder, entry.file).read_bytes(),
        entry.file,
        composer,
        from_address=from_address(config, sender),
        to=to,
        cc=cc,
        now=now,
    )
    if test:
        message.replace_header("Subject", "[TEST] " + str(message["Subject"]))
    if copy_to_sender and sender.email:
        message["Bcc"] = sender.email
    return message


def letter_subject(campaign: Campaign, language: str) -> str:
    """The subject of a letter's e-mail: the same phrase as the letter's own subject line (the
    msgid comes from letter.html.j2), on one line."""
    text = campaign.appeal.text(language)
    return translations_for(language).gettext("Urgent appeal %(code)s: %(title)s") % {
        "code": campaign.appeal.code,
        "title": " ".join(text.title.split()),  # a title may wrap; a header may not
    }


def mailto_link(to: str, cc: Sequence[str], subject: str, body: str) -> str:
    """A ``mailto:`` link (RFC 6068) that opens the message in the reader's mail program."""
    link = f"mailto:{quote(to, safe='@')}?subject={quote(subject)}"
    if cc:
        link += f"&cc={quote(','.join(cc), safe='@,')}"
    return f"{link}&body={quote(body)}"


def letter_message(
    campaign: Campaign,
    sender: Sender,
    recipient: Recipient,
    language: str,
    pdf: bytes,
    filename: str,
    composer: Composer,
    *,
    from_address: str | None,
    to: str,
    cc: tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> EmailMessage:
    """The e-mail that carries one letter: its subject quotes the code, its short text is in
    the letter's language, the PDF is attached. Without ``from_address`` it is a draft for the
    supporter's own mail program (``X-Unsent``)."""
    subject = letter_subject(campaign, language)
    message = EmailMessage(policy=SMTP)
    # Address objects, not formatted strings: a name such as "José (x) <evil@attacker>" stays
    # a display name, quoted, and can never become the address.
    if from_address:
        message["From"] = Address(display_name=sender.name, addr_spec=from_address)
    else:
        message["X-Unsent"] = "1"
    message["To"] = to
    if cc:
        message["Cc"] = ", ".join(cc)
    if sender.email and sender.email != from_address:
        message["Reply-To"] = Address(display_name=sender.name, addr_spec=sender.email)
    message["Subject"] = subject
    message["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    domain = (from_address or sender.email or "appeal-letters.invalid").split("@")[-1]
    message["Message-ID"] = make_msgid("appeal-letters", domain=domain)
    message["X-Appeal-Reference"] = campaign.appeal.code
    message["Content-Language"] = language
    message.set_content(email_text(composer, campaign, recipient, sender, language))
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return message


def _web_form_text(
    campaign: Campaign,
    sender: Sender,
    recipient: Recipient,
    entry: ManifestEntry,
    folder: Path,
    composer: Composer,
    now: dt.datetime | None,
) -> str:
    """Write the letter as text to paste into the web form; the instructions, with how much
    over the form's length it runs, if it does."""
    day = (now or dt.datetime.now(dt.UTC)).date()
    text = web_form_text(composer, campaign, recipient, sender, language=entry.language, day=day)
    name = Path(entry.file).with_suffix(".txt").name
    atomic_write(safe_child(folder / "web-form", name), text.encode("utf-8"))
    how = (
        f"paste the text of web-form/{name} ({len(text)} characters) into the web form at "
        f"{entry.channel_address}"
    )
    limit = choose_channel(recipient, day).limit
    if limit is not None and len(text) > limit:
        how += (
            f"; the form takes {limit} characters: shorten the text by {len(text) - limit} "
            "before pasting, or send the letter by post"
        )
    return how
