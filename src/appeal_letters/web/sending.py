"""Sending a supporter's letters through the NGO's gateway, from the page (``web_sending`` in
``delivery.yaml``): only after the supporter confirms by a link e-mailed to them.

``/send`` holds the letters that can go through the gateway (faxes, and e-mail where the
office's country considers it) and e-mails the link; ``/confirm?t=...`` shows what will go and
asks again (a mail program that opens links to check them must not send anything: only the
button does); ``/confirm`` posted queues them, ``/cancel`` deletes them. ``send_confirmed``
(``appeal-letters send-pending``, or the thread ``serve`` starts) sends them, paced, journaled,
never twice. The token travels in the query string, which the access log leaves out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request

from ..batch import OneLetter
from ..compose import Composer
from ..deliver import DeliveryConfig, SmtpTransport, letter_message
from ..deliver.pending import HeldLetter, PendingError, PendingStore, sent_today, who_of
from ..deliver.send import login_from_env
from ..errors import AppealLettersError
from ..model import Campaign, Recipient, choose_channel
from .form import Problems, Request
from .i18n import asked_language, gettext_for


@dataclass
class Site:
    """What the page's routes share, handed to these ones by ``create_app``."""

    workspace: Path
    campaign: Campaign
    composer: Composer
    config: DeliveryConfig
    store: PendingStore
    secret: str
    page: Callable[..., tuple[str, int]]
    ask: Callable[[], Request | Problems]
    letters_for: Callable[[Request], list[OneLetter]]
    recipients: Callable[[], dict[str, Recipient]]  # every id a letter can be to (embassies too)
    today: Callable[[], dt.date]
    now: Callable[[], dt.datetime]


def open_store(workspace: Path, config: DeliveryConfig) -> PendingStore | None:
    """The pending store when ``web_sending`` is set; an error when what it needs is not."""
    settings = config.web_sending
    if settings is None:
        return None
    if config.smtp is None or config.from_address is None:
        raise AppealLettersError(
            "delivery.yaml: web_sending needs `smtp:` (the gateway's server) and `from:` (the "
            "NGO's address the confirmation e-mails and letters are sent from)"
        )
    return PendingStore(workspace / settings.store, settings)


def gateway_address(config: DeliveryConfig, address: str) -> bool:
    """Whether the fax gateway would take ``address`` for a fax number (any local part where
    its pattern has ``{number}``): never an address to send a confirmation e-mail to."""
    if config.fax_gateway is None:
        return False
    pattern = ".*".join(re.escape(part) for part in config.fax_gateway.split("{number}"))
    return re.fullmatch(pattern, address, re.IGNORECASE) is not None


def held_letters(site: Site, found: Request, made: list[OneLetter]) -> list[HeldLetter]:
    """The letters the gateway can carry: a fax through the fax gateway, an e-mail where the
    office's country considers e-mail; the others stay the supporter's to send."""
    held = []
    for number, letter in enumerate(made, start=1):
        recipient = letter.recipient
        channel = choose_channel(recipient, site.today()).channel
        to: str | None = None
        cc: tuple[str, ...] = ()
        if channel is not None and channel.kind == "fax":
            to = site.config.fax_address(channel.address)
        elif channel is not None and channel.kind == "email":
            to = channel.address
            cc = tuple(a for a in recipient.channels.email if a != to)
        if to is None or channel is None:
            continue
        file = f"{number:02d}-{recipient.id}.pdf"
        message = letter_message(
            site.campaign, found.sender, recipient, letter.language, letter.pdf, file,
            site.composer, from_address=site.config.from_address, to=to, cc=cc, now=site.now(),
        )  # fmt: skip
        held.append(HeldLetter(recipient.id, channel.kind, to, file, message))
    return held


def confirmation(
    site: Site, found: Request, token: str, names: list[str], lang: str
) -> EmailMessage:
    """The e-mail with the link, in the page's language: what will be sent, and that nothing
    is sent (and everything deleted) without the click."""
    _ = gettext_for(lang)
    settings = site.config.web_sending
    assert settings is not None and site.config.from_address is not None
    link = settings.base_url.rstrip("/") + "/confirm?" + urlencode({"t": token, "lang": lang})
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(addr_spec=site.config.from_address)
    message["To"] = str(found.sender.email)
    message["Subject"] = _("Confirm sending your letters: %(code)s") % {
        "code": site.campaign.appeal.code
    }
    message["Date"] = format_datetime(site.now())
    message["Message-ID"] = make_msgid("appeal-letters-confirm")
    message["Auto-Submitted"] = "auto-generated"
    lines = [
        _("You asked us to send your letters about the urgent appeal %(code)s to:")
        % {"code": site.campaign.appeal.code},
        "",
        *[f"- {name}" for name in names],
        "",
        _("To send them, open this link and press the button on the page:"),
        link,
        "",
        _(
            "If you did not ask for this, do nothing: the letters are deleted within %(hours)d "
            "hours and nothing is sent."
        )
        % {"hours": settings.hold_hours},
    ]
    message.set_content("\n".join(lines))
    return message


def register(app: Flask, site: Site, limit: Callable[[Callable[..., Any]], Any]) -> None:
    """The routes of sending through the gateway."""

    def message(status: int, text: str, **context: Any) -> tuple[str, int]:
        return site.page("sending.html", status, message=text, **context)

    @app.post("/send")
    @limit
    def send() -> tuple[str, int]:
        _ = gettext_for(asked_language())
        found = site.ask()
        if isinstance(found, Problems):
            return site.page("index.html", 422, values=found.values, errors=found.errors,
                             chosen=found.chosen)  # fmt: skip
        if not found.sender.email or gateway_address(site.config, found.sender.email):
            # An address the fax gateway takes would fax the confirmation to any number.
            return message(422, _("To have your letters sent for you, give your e-mail address "
                                  "in the form: we send you a link to confirm."))  # fmt: skip
        try:
            made = site.letters_for(found)
        except AppealLettersError:
            return message(422, _("Your letters could not be made from what you typed."))
        held = held_letters(site, found, made)
        if not held:
            return message(422, _("None of your letters can go through our gateway: send them "
                                  "yourself, as shown under each one."))  # fmt: skip
        who = who_of(site.secret, found.sender.email)
        try:
            token = site.store.hold(who, held, site.now())
        except PendingError:
            return message(429, _("We already sent several confirmation links to this "
                                  "address today. Please use one of them, or try again "
                                  "tomorrow."))  # fmt: skip
        names = [name_of(site, h.recipient_id, asked_language()) for h in held]
        try:
            with_link = confirmation(site, found, token, names, asked_language())
            assert site.config.smtp is not None
            gateway = SmtpTransport(site.config.smtp, login_from_env())
            try:
                gateway.send(with_link)
            finally:
                gateway.close()
        except Exception:
            site.store.drop(token)
            app.logger.warning("the confirmation e-mail could not be sent (mail server error)")
            return message(503, _("We could not send you the confirmation e-mail just now. "
                                  "Please try again later, or send the letters "
                                  "yourself."))  # fmt: skip
        return message(
            200, _("Check your e-mail"), sent_to=found.sender.email, held=names,
            hours=site.config.web_sending.hold_hours if site.config.web_sending else 24,
        )  # fmt: skip

    @app.get("/confirm")
    def confirm_page() -> tuple[str, int]:
        _ = gettext_for(asked_language())
        token = request.args.get("t", "")[:100]
        batch = site.store.batch(token, site.now()) if token else None
        if batch is None:
            return message(404, _("This link has expired or its letters were sent already."))
        names = [name_of(site, rid, asked_language()) for rid in batch.recipient_ids
                 if rid in site.recipients()]  # fmt: skip
        return site.page("sending.html", 200, message=_("Send your letters?"), token=token,
                         to_confirm=names, confirmed=batch.confirmed_at is not None)  # fmt: skip

    @app.post("/confirm")
    @limit
    def confirm() -> tuple[str, int]:
        _ = gettext_for(asked_language())
        token = request.form.get("t", "")[:100]
        if not token or not site.store.confirm(token, site.now()):
            return message(404, _("This link has expired or its letters were sent already."))
        batch = site.store.batch(token, site.now())
        settings = site.config.web_sending
        assert settings is not None
        full = _full_today(site, batch.recipient_ids if batch else ())
        return message(200, _("Thank you: your letters are on their way"), queued=True,
                       full=[name_of(site, rid, asked_language()) for rid in full])  # fmt: skip

    @app.post("/cancel")
    @limit
    def cancel() -> tuple[str, int]:
        _ = gettext_for(asked_language())
        site.store.drop(request.form.get("t", "")[:100])
        return message(200, _("Your letters were deleted. Nothing was sent."))


def name_of(site: Site, recipient_id: str, language: str) -> str:
    """An authority as the page in ``language`` names it (its localized name, if any); its id
    when the recipients files no longer have it (letters held before a restart)."""
    recipient = site.recipients().get(recipient_id)
    return recipient.in_language(language).full_name if recipient else recipient_id


def _full_today(site: Site, recipient_ids: tuple[str, ...]) -> list[str]:
    """The authorities whose daily cap is already reached (their letters wait for tomorrow)."""
    from ..deliver import Journal

    settings = site.config.web_sending
    assert settings is not None
    path = site.workspace / settings.journal
    if not path.is_file():
        return []
    # The journal dates sends in UTC, as send_confirmed counts them: not the local day.
    counts = sent_today(Journal(path), site.campaign.appeal.code, site.now().date())
    return [rid for rid in recipient_ids if counts[rid] >= settings.per_authority_per_day]
