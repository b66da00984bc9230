"""What became of the faxes and e-mails ``send`` handed over: the gateway's confirmations and
bounces, read from a mailbox and matched to the journaled letters.

A fax gateway that accepts a message says nothing about whether the fax went through; it says
so later, by e-mail: a delivery status notification (RFC 3464, ``multipart/report``) or a
message of its own ("Fax sent successfully to ...", "Fax to ... failed: line busy"). Each is
matched to its letter by the Message-ID ``send`` gave it (quoted in the notification's copy of
the original, or in ``In-Reply-To``/``References``), and classed:

- ``delivered`` (with the pages, when the gateway says);
- ``retryable``: busy, no answer, a line error, a 4.x.x status: worth sending again later;
- ``final``: an invalid or unallocated number, a 5.x.x status: the letter should go by post.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any, Literal, cast

from ..errors import AppealLettersError
from .journal import Journal

Outcome = Literal["delivered", "retryable", "final"]

#: Words gateways use, most specific first (matched case-insensitively in subject and body).
_FINAL = re.compile(
    r"invalid (fax )?number|unallocated|number (does not exist|not in service)|not a fax|"
    r"no fax (machine|tone) detected|rejected|refused",
    re.IGNORECASE,
)
_RETRYABLE = re.compile(
    r"\bbusy\b|no answer|not answered|line error|communication error|no carrier|"
    r"time(d)? ?out|try again|temporar",
    re.IGNORECASE,
)
_DELIVERED = re.compile(
    r"(fax|message) (was )?(sent|delivered|transmitted) successfully|successfully "
    r"(sent|delivered|transmitted)|transmission (ok|complete|successful)",
    re.IGNORECASE,
)
_PAGES = re.compile(r"\bpages?\s*(?:sent|transmitted)?\s*[:=]?\s*(\d{1,3})\b", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")


class MailboxError(AppealLettersError):
    """The mailbox cannot be read."""


@dataclass(frozen=True)
class Receipt:
    """One gateway message about one letter."""

    source: str  # the receipt's own identity: its Message-ID, else a digest of its bytes
    message_id: str  # the Message-ID of the letter it is about
    outcome: Outcome
    detail: str  # the gateway's words, one line
    pages: int | None = None


def read_mailbox(path: Path) -> Iterator[tuple[str, Message]]:
    """Every message of a Maildir (a folder with cur/ and new/) or an mbox file, with an
    identity that stays the same when the mailbox is read again."""
    if path.is_dir():
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise MailboxError(f"{path}: not a Maildir (no cur/ and new/ folders in it)")
        box: mailbox.Mailbox = mailbox.Maildir(path, factory=None, create=False)
    elif path.is_file():
        with path.open("rb") as handle:
            start = handle.read(5)
        if start != b"From ":
            raise MailboxError(f"{path}: not an mbox file (it does not start with 'From ')")
        box = mailbox.mbox(path, create=False)
    else:
        raise MailboxError(f"{path}: no such mailbox (give a Maildir folder or an mbox file)")
    try:
        for key in box.keys():  # noqa: SIM118 (iterating a Mailbox yields messages)
            raw = box.get_bytes(key)
            message = email.message_from_bytes(raw, policy=email.policy.default)
            own = str(message.get("Message-ID", "")).strip()
            yield own or "sha256:" + hashlib.sha256(raw).hexdigest(), message
    except (OSError, mailbox.Error) as exc:
        raise MailboxError(f"{path}: cannot read the mailbox ({exc})") from exc
    finally:
        box.close()


def parse_receipt(source: str, message: Message) -> Receipt | None:
    """The receipt ``message`` holds, or None when it is not about a letter of ours."""
    about = _original_id(message)
    if about is None:
        return None
    status = _delivery_status(message)
    text = " ".join([str(message.get("Subject", "")), _plain_text(message)])
    detail = " ".join((status[1] if status else text).split())[:300]
    if status is not None:
        action, _, code = status[0], status[1], status[2]
        if action == "delivered" or code.startswith("2."):
            outcome: Outcome = "delivered"
        elif action == "delayed" or code.startswith("4."):
            outcome = "retryable"
        else:
            outcome = "final"
    elif _FINAL.search(text):
        outcome = "final"
    elif _RETRYABLE.search(text):
        outcome = "retryable"
    elif _DELIVERED.search(text):
        outcome = "delivered"
    else:
        return None
    pages = _PAGES.search(text) if outcome == "delivered" else None
    return Receipt(source, about, outcome, detail, int(pages.group(1)) if pages else None)


def _original_id(message: Message) -> str | None:
    """The Message-ID of the letter a receipt is about."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "text/rfc822-headers"):
            payload: Any = part.get_payload()
            if isinstance(payload, list) and payload:
                found = payload[0].get("Message-ID")
            else:
                headers = email.message_from_string(str(payload or ""), policy=email.policy.default)
                found = headers.get("Message-ID")
            if found:
                return str(found).strip()
    for header in ("In-Reply-To", "References"):
        value = str(message.get(header, ""))
        ids = _MESSAGE_ID.findall(value)
        if ids:
            return str(ids[-1] if header == "References" else ids[0])
    ids = _MESSAGE_ID.findall(_plain_text(message))
    return str(ids[0]) if ids else None


def _delivery_status(message: Message) -> tuple[str, str, str] | None:
    """(Action, Diagnostic-Code or Status text, Status code) of the first recipient of an
    RFC 3464 report, or None."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload: Any = part.get_payload()
        blocks: list[Any] = payload if isinstance(payload, list) else []
        for block in blocks[1:] or blocks:  # per-message fields first, then per-recipient
            action = str(block.get("Action", "")).strip().lower()
            code = str(block.get("Status", "")).strip().split(" ")[0]
            if action or code:
                words = str(block.get("Diagnostic-Code", "") or f"{action} {code}")
                return action, words.strip(), code
    return None


def _plain_text(message: Message) -> str:
    """The text/plain parts of a message (not those of a quoted original)."""
    texts: list[str] = []
    parts = [message]
    while parts:
        part = parts.pop(0)
        kind = part.get_content_type()
        if kind in ("message/rfc822", "text/rfc822-headers", "message/delivery-status"):
            continue
        if part.is_multipart():
            parts = [*cast(list[Message], part.get_payload()), *parts]
        elif kind == "text/plain":
            if isinstance(part, EmailMessage):
                texts.append(str(part.get_content()))
            else:
                raw: Any = part.get_payload(decode=True) or b""
                texts.append(bytes(raw).decode("utf-8", "replace"))
    return "\n".join(texts)[:20000]


@dataclass
class Applied:
    """What reading a mailbox did to the journal."""

    delivered: int = 0
    retryable: int = 0
    final: int = 0
    unmatched: int = 0  # receipts about a Message-ID the journal does not know
    duplicate: int = 0  # read before: nothing changed
    other: int = 0  # messages that are not receipts


def apply_mailbox(journal: Journal, path: Path) -> Applied:
    """Read every receipt in the mailbox at ``path`` into ``journal``, once each."""
    counts = Applied()
    for source, message in read_mailbox(path):
        receipt = parse_receipt(source, message)
        if receipt is None:
            counts.other += 1
            continue
        result = journal.apply_receipt(
            receipt.source, receipt.message_id, receipt.outcome, receipt.detail, receipt.pages
        )
        if result == "applied":
            setattr(counts, receipt.outcome, getattr(counts, receipt.outcome) + 1)
        else:
            setattr(counts, result, getattr(counts, result) + 1)
    return counts
