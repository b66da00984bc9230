"""Send letters over SMTP, at a polite pace, recording every attempt in the journal.

Safe by default: the caller must ask for a real send (``dry_run=False``); ``limit`` caps a
run; ``test_to`` sends every message to one test address and leaves the journal alone.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import smtplib
import ssl
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses
from typing import Literal

from ..errors import AppealLettersError
from .config import DeliveryConfig, SmtpSettings, within_window
from .journal import Journal, Key
from .mail import Outgoing

Outcome = Literal["sent", "failed", "already-sent", "in-progress", "dry-run", "test-sent", "left"]


class DeliveryError(AppealLettersError):
    """The mail server cannot be used at all (unreachable, login refused)."""


@dataclass(frozen=True)
class Result:
    outgoing: Outgoing
    outcome: Outcome
    answer: str = ""


@dataclass
class Pacer:
    """Keeps to a rate per minute overall and per authority, by waiting between messages."""

    per_minute: int
    per_authority_per_minute: int
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = None
    _by_authority: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def wait(self, authority: str) -> None:
        now = self.clock()
        delay = 0.0
        if self._last is not None:
            delay = max(delay, self._last + 60.0 / self.per_minute - now)
        recent = self._by_authority[authority]
        while recent and recent[0] <= now - 60.0:
            recent.popleft()
        if len(recent) >= self.per_authority_per_minute:
            delay = max(delay, recent[0] + 60.0 - now)
        if delay > 0:
            self.sleep(delay)
            now = self.clock()
        self._last = now
        recent.append(now)


#: The SMTP login comes from these, never from a workspace file.
USER_ENV = "APPEAL_LETTERS_SMTP_USER"
PASSWORD_ENV = "APPEAL_LETTERS_SMTP_PASSWORD"  # noqa: S105 - the name of a variable, not a secret


def login_from_env() -> tuple[str, str] | None:
    """The SMTP login from the environment (None: no login); both variables or neither."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user and password is None:
        raise AppealLettersError(f"{USER_ENV} is set but {PASSWORD_ENV} is not")
    return (user, password) if user and password is not None else None


class SmtpTransport:
    """One SMTP connection, opened when first needed and again after the server drops it."""

    def __init__(self, settings: SmtpSettings, login: tuple[str, str] | None = None) -> None:
        self.settings = settings
        self.login = login
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.login:
                smtp.login(*self.login)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{s.host}:{s.port}: login refused ({exc.smtp_code})") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{s.host}:{s.port}: cannot use the mail server: {exc}") from exc
        return smtp

    def send(self, message: EmailMessage) -> str:
        """Send one message; return the server's answer, or raise an smtplib error."""
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        sender = getaddresses([str(message["From"])])[0][1]
        recipients = [
            a
            for _, a in getaddresses(
                message.get_all("To", []) + message.get_all("Cc", []) + message.get_all("Bcc", [])
            )
        ]
        data = _without_bcc(message).as_bytes(policy=SMTP)
        smtp.ehlo_or_helo_if_needed()
        code, answer = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, answer, sender)
        refused = {}
        for recipient in recipients:
            code, answer = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, answer)
        if recipients[0] in refused:  # the authority (or gateway) itself refused
            smtp.rset()
            raise smtplib.SMTPRecipientsRefused(refused)
        code, answer = smtp.data(data)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPDataError(code, answer)
        return f"{code} {answer.decode('utf-8', 'replace')}"

    def reset(self) -> None:
        """Forget a connection that failed; the next send opens a new one."""
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self.reset()


def _without_bcc(message: EmailMessage) -> EmailMessage:
    """Bcc recipients get the message but must not see each other: drop the header."""
    if "Bcc" not in message:
        return message
    stripped = copy.deepcopy(message)
    del stripped["Bcc"]
    return stripped


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def server_answer(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {_text(text)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class Resend:
    """Which letters the journal lists as sent or interrupted are to go out again."""

    recipients: frozenset[str] = frozenset()  # --resend ID: these authorities, whatever state
    interrupted: bool = False  # --resend-interrupted: letters a stopped run left "sending"

    def allows(self, recipient_id: str, status: str | None) -> bool:
        if status is None or status == "failed":
            return True
        if recipient_id in self.recipients:
            return True
        return status == "sending" and self.interrupted


def send_all(
    outgoing: Iterable[Outgoing],
    *,
    appeal_code: str,
    supporter: str,
    earlier_key: str | None = None,
    journal: Journal,
    transport: SmtpTransport | None,
    config: DeliveryConfig,
    dry_run: bool = True,
    test: bool = False,
    resend: Resend = Resend(),
    limit: int | None = None,
    pacer: Pacer | None = None,
    now: Callable[[], dt.datetime] = dt.datetime.now,
) -> list[Result]:
    """Send each message once; the journal decides what is still to send."""
    results: list[Result] = []
    pacer = pacer or Pacer(config.per_minute, config.per_authority_per_minute)
    pending = list(outgoing)
    sent_count = 0
    for index, item in enumerate(pending):
        if limit is not None and sent_count >= limit:
            results += [Result(o, "left", "over --limit") for o in pending[index:]]
            break
        key = Key(appeal_code, item.recipient.id, supporter, item.route)
        known = None if test else journal.status(key)
        if known is None and earlier_key and earlier_key != supporter and not test:
            # A journal written before supporters were compared case-blind keys them as typed.
            known = journal.status(Key(appeal_code, item.recipient.id, earlier_key, item.route))
        if not resend.allows(item.recipient.id, known):
            # A dry run shows what a real run would do: skip what the journal lists as sent.
            results.append(Result(item, "already-sent" if known == "sent" else "in-progress"))
            continue
        if dry_run:
            results.append(Result(item, "dry-run"))
            sent_count += 1
            continue
        if not within_window(config.window, now()):
            results += [
                Result(o, "left", f"outside the window {config.window}") for o in pending[index:]
            ]
            break
        assert transport is not None
        if test:
            pacer.wait(item.recipient.id)
            try:
                results.append(Result(item, "test-sent", transport.send(item.message)))
            except (smtplib.SMTPException, OSError) as exc:
                transport.reset()
                results.append(Result(item, "failed", server_answer(exc)))
            sent_count += 1
            continue
        # Pace first, then claim: a run stopped while it waits leaves nothing half-done.
        pacer.wait(item.recipient.id)
        claim = journal.claim(
            key, item.to, item.entry.file, item.entry.sha256, resend=known in ("sent", "sending")
        )
        if claim != "claimed":
            results.append(Result(item, claim))
            continue
        try:
            answer = transport.send(item.message)
        except DeliveryError as exc:
            journal.finish(key, "failed", str(exc))
            results.append(Result(item, "failed", str(exc)))
            results += [Result(o, "left", "mail server unavailable") for o in pending[index + 1 :]]
            break
        except (smtplib.SMTPException, OSError) as exc:
            transport.reset()
            journal.finish(key, "failed", server_answer(exc))
            results.append(Result(item, "failed", server_answer(exc)))
        else:
            journal.finish(key, "sent", answer, item.message_id)
            results.append(Result(item, "sent", answer))
        sent_count += 1
    return results
