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

import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import json
import mailbox
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any, Literal, cast

from ..errors import AppealLettersError
from .journal import Journal

Outcome = Literal["delivered", "retryable", "final"]

#: Words gateways use (matched case-insensitively in the subject and the receipt's own text,
#: quoted lines left out). A success phrase wins over failure words elsewhere (a footer saying
#: "unsolicited faxes are refused"); "queued" or "with errors" is not a delivery.
_NOT_YET = re.compile(r"\bqueued\b|will be (sent|retried)|in progress", re.IGNORECASE)
_PARTIAL = re.compile(r"with errors|partially|\b\d+ of \d+ pages?\b|pages? sent: \d+ of", re.I)
_DELIVERED = re.compile(
    r"(fax|message) (was )?(sent|delivered|transmitted) successfully|successfully "
    r"(sent|transmitted)|fax (was )?delivered|transmission (ok|complete|successful)",
    re.IGNORECASE,
)
_FINAL = re.compile(
    r"invalid (fax )?number|unallocated|number (does not exist|not in service)|not a fax|"
    r"no fax (machine|tone)|fax machine not found",
    re.IGNORECASE,
)
_RETRYABLE = re.compile(
    r"\bbusy\b|no answer|not answered|no ring|line error|communication error|no carrier|"
    r"time(d)? ?out|fax failed|transmission failed|could not be sent|call failed",
    re.IGNORECASE,
)
_AUTO_REPLY = re.compile(r"out of (the )?office|automatic reply|auto(matic)?[- ]?reply", re.I)
_PAGES = re.compile(r"\bpages?\s*(?:sent|transmitted)?\s*[:=]?\s*(\d{1,3})\b", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


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
    dated: str = ""  # the receipt's own Date, UTC ISO ("" when it has none)


def read_mailbox(path: Path) -> Iterator[tuple[str, Message | None]]:
    """Every message of a Maildir (a folder with cur/ and new/) or an mbox file, with an
    identity that stays the same when the mailbox is read again (None: a message that could
    not be read; the others go on)."""
    if path.is_dir():
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise MailboxError(f"{path}: not a Maildir (no cur/ and new/ folders in it)")
        box: mailbox.Mailbox = mailbox.Maildir(path, factory=None, create=False)
    elif path.is_file():
        with path.open("rb") as handle:
            start = handle.read(5)
        if start and start != b"From ":
            raise MailboxError(f"{path}: not an mbox file (it does not start with 'From ')")
        box = mailbox.mbox(path, create=False)
    else:
        raise MailboxError(f"{path}: no such mailbox (give a Maildir folder or an mbox file)")
    try:
        keys = list(box.keys())
    except (OSError, mailbox.Error) as exc:
        raise MailboxError(f"{path}: cannot read the mailbox ({exc})") from exc
    try:
        for key in keys:
            try:
                raw = box.get_bytes(key)
            except (OSError, KeyError, mailbox.Error):
                yield "", None  # gone while read (a mail program expunged it), or unreadable
                continue
            yield identified(raw)
    finally:
        box.close()


def identified(raw: bytes) -> tuple[str, Message]:
    """A message read from its bytes (a mailbox's or an IMAP server's), with its identity."""
    return _identity(raw), email.message_from_bytes(raw, policy=email.policy.default)


def _identity(raw: bytes) -> str:
    """A receipt's identity: its Message-ID, else a digest of what a mail program does not
    change (its body and Date, From and Subject; not the Status flags it adds)."""
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    fields = {}
    for line in head.split(b"\n"):
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    own = fields.get(b"message-id", b"").decode("ascii", "replace")
    if _MESSAGE_ID.fullmatch(own):
        return own
    basis = b"\n".join(
        [fields.get(b"date", b""), fields.get(b"from", b""), fields.get(b"subject", b""), body]
    )
    return "sha256:" + hashlib.sha256(basis).hexdigest()


def parse_receipt(source: str, message: Message) -> Receipt | None:
    """The receipt ``message`` holds, or None when it is not one (an auto-reply, a notice that
    a fax is queued or a mail server still tries, a message about several letters at once)."""
    if _AUTO_REPLY.search(str(message.get("Subject", ""))) or str(
        message.get("Auto-Submitted", "")
    ).lower().startswith("auto-replied"):
        return None
    about = _original_id(message)
    if about is None:
        return None
    dated = _date(message)
    status = _delivery_status(message)
    if status is not None:
        outcome, words = status
        if outcome is None:
            return None
        return Receipt(source, about, outcome, " ".join(words.split())[:300], None, dated)
    own = "\n".join(
        line for line in _plain_text(message).splitlines() if not line.lstrip().startswith(">")
    )[:4000]
    text = " ".join([str(message.get("Subject", "")), own])
    detail = " ".join(text.split())[:300]
    if _NOT_YET.search(text):
        return None
    if _DELIVERED.search(text) and not _PARTIAL.search(text):
        pages = _PAGES.search(text)
        return Receipt(source, about, "delivered", detail, int(pages.group(1)) if pages else None,
                       dated)  # fmt: skip
    if _FINAL.search(text):
        return Receipt(source, about, "final", detail, None, dated)
    if _RETRYABLE.search(text) or _PARTIAL.search(text):
        return Receipt(source, about, "retryable", detail, None, dated)
    return None


def _date(message: Message) -> str:
    """When the gateway wrote the receipt (its Date, in UTC), so that the newest receipt about
    a letter wins whatever order the mailbox is read in; "" when it has none."""
    try:
        when = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


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
    named = set(_MESSAGE_ID.findall(_plain_text(message)))
    # A message naming several letters cannot say which outcome is whose.
    return str(named.pop()) if len(named) == 1 else None


def _delivery_status(message: Message) -> tuple[Outcome | None, str] | None:
    """The outcome an RFC 3464 report gives and its words, or None if it is not one.

    A letter counts as delivered when any of its recipients got it (an e-mail's Cc may fail
    where its To succeeds); ``delayed`` (the server still tries) and ``relayed`` (passed on
    to a system that reports no further) are not outcomes: the outcome is None.
    """
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload: Any = part.get_payload()
        blocks: list[Any] = payload if isinstance(payload, list) else []
        found: list[tuple[str, str, str]] = []
        for block in blocks:
            action = str(block.get("Action", "")).strip().lower()
            code = str(block.get("Status", "")).strip().split(" ")[0]
            if action or code:
                words = str(block.get("Diagnostic-Code", "") or f"{action} {code}").strip()
                found.append((action, code, words))
        if not found:
            return None, "a delivery report without a recipient's status"
        for action, code, words in found:
            if action == "delivered" or (code.startswith("2.") and action != "relayed"):
                return "delivered", words
        action, code, words = found[0]
        if action in ("delayed", "relayed", "expanded"):
            return None, words
        if code.startswith("4."):
            return "retryable", words
        return "final", words
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
    earlier: int = 0  # about an earlier try of a letter sent again since (delivered counts)
    duplicate: int = 0  # read before: nothing changed
    other: int = 0  # messages that are not receipts
    unreadable: int = 0  # messages that could not be read or parsed


def apply_mailbox(journal: Journal, path: Path) -> Applied:
    """Read every receipt in the mailbox at ``path`` into ``journal``, once each."""
    return apply_messages(journal, read_mailbox(path))


def apply_messages(journal: Journal, messages: Iterable[tuple[str, Message | None]]) -> Applied:
    """Read every receipt among ``messages`` (identity and message, as ``read_mailbox`` or
    ``read_imap`` yield them) into ``journal``, once each. A message that cannot be read or
    parsed is counted and skipped: the others go on."""
    counts = Applied()
    for source, message in messages:
        try:
            receipt = parse_receipt(source, message) if message is not None else None
        except Exception:
            receipt, message = None, None
        if message is None:
            counts.unreadable += 1
            continue
        if receipt is None:
            counts.other += 1
            continue
        _record(journal, receipt, counts)
    return counts


#: The statuses gateways post in JSON callbacks, by outcome (other words go through the same
#: phrases as an e-mail receipt's).
_JSON_STATUS: dict[str, Outcome] = {
    **dict.fromkeys(["delivered", "success", "succeeded", "sent", "ok", "completed"], "delivered"),
    **dict.fromkeys(
        ["busy", "no-answer", "no_answer", "noanswer", "timeout", "line-error", "retry"],
        "retryable",
    ),
    **dict.fromkeys(
        ["invalid-number", "invalid_number", "unallocated", "not-a-fax", "rejected"], "final"
    ),
}
#: A callbacks file larger than this is refused (a gateway's day is a few megabytes).
JSON_LIMIT = 50 * 1024 * 1024


def read_callbacks(path: Path) -> list[Receipt | None]:
    """Receipts from a file of a gateway's JSON callbacks: an array of objects, or one object
    per line, each with ``message_id`` and ``status`` (and optionally ``id``, ``detail``,
    ``pages``, ``date``). None for an entry that is not a receipt."""
    try:
        if path.stat().st_size > JSON_LIMIT:
            raise MailboxError(f"{path}: over {JSON_LIMIT // 1024 // 1024} MB; split it")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MailboxError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MailboxError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    try:
        if text.lstrip().startswith("["):
            items = json.loads(text)
        else:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise MailboxError(
            f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}); give an array of callback "
            "objects or one object per line"
        ) from None
    return [_callback(item) for item in items]


def _callback(item: object) -> Receipt | None:
    if not isinstance(item, dict):
        return None
    about = item.get("message_id")
    status = str(item.get("status", "")).strip().lower()
    if not isinstance(about, str) or not _MESSAGE_ID.fullmatch(about.strip()) or not status:
        return None
    detail = " ".join(str(item.get("detail", "")).split())[:300]
    outcome = _JSON_STATUS.get(status)
    if outcome is None:
        words = f"{status} {detail}"
        outcome = (
            "final"
            if _FINAL.search(words)
            else "retryable"
            if _RETRYABLE.search(words)
            else "delivered"
            if _DELIVERED.search(words)
            else None
        )
    if outcome is None:
        return None
    pages = item.get("pages")
    own = item.get("id")
    source = (
        f"json:{own}"
        if isinstance(own, (str, int)) and str(own)
        else "sha256:" + hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
    )
    dated = ""
    if isinstance(item.get("date"), str):
        with contextlib.suppress(ValueError):
            when = dt.datetime.fromisoformat(item["date"].replace("Z", "+00:00"))
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
            dated = when.astimezone(dt.UTC).isoformat(timespec="seconds")
    return Receipt(
        source,
        about.strip(),
        outcome,
        detail or status,
        pages if isinstance(pages, int) and 0 < pages < 1000 else None,
        dated,
    )


def apply_callbacks(journal: Journal, path: Path) -> Applied:
    """Read a file of JSON callbacks into ``journal``, each once."""
    counts = Applied()
    for receipt in read_callbacks(path):
        if receipt is None:
            counts.other += 1
            continue
        _record(journal, receipt, counts)
    return counts


def _record(journal: Journal, receipt: Receipt, counts: Applied) -> None:
    result = journal.apply_receipt(
        receipt.source,
        receipt.message_id,
        receipt.outcome,
        receipt.detail,
        receipt.pages,
        receipt.dated,
    )
    if result == "applied":
        setattr(counts, receipt.outcome, getattr(counts, receipt.outcome) + 1)
    else:
        setattr(counts, result, getattr(counts, result) + 1)
