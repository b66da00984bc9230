"""Letters the supporters' page sends for a supporter through the NGO's gateway: held until the
supporter confirms by a link e-mailed to them (double opt-in), then sent, paced and journaled
like ``send``'s, and deleted.

The store is the only place the page keeps anything a supporter typed, so it keeps little and
not for long: the messages ready to send (which carry the letter, so the supporter's name and
address) and a keyed digest of the supporter's e-mail (to send no letter twice and to cap the
confirmation e-mails), never the address itself once the confirmation is sent. Each message is
deleted as soon as it is sent, and everything else ``hold_hours`` (24) after it came in,
confirmed or not; SQLite's ``secure_delete`` overwrites what is deleted. The link's token is
kept as its SHA-256 only: a copy of the store cannot confirm anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import smtplib
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from ..errors import AppealLettersError
from ..files import make_folder
from ..model import comparable
from .config import DeliveryConfig, WebSending, within_window
from .journal import Journal, Key
from .send import DeliveryError, Pacer, SmtpTransport, server_answer

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS batches (
    token_hash    TEXT PRIMARY KEY,
    who           TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT
)""",
    """CREATE TABLE IF NOT EXISTS letters (
    token_hash    TEXT NOT NULL REFERENCES batches(token_hash) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    recipient_id  TEXT NOT NULL,
    channel       TEXT NOT NULL,
    address       TEXT NOT NULL,
    file          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    message       BLOB NOT NULL,
    PRIMARY KEY (token_hash, position)
)""",
)


class PendingError(AppealLettersError):
    """The store cannot take the letters (too many confirmations to one address today)."""


@dataclass(frozen=True)
class HeldLetter:
    """One letter to send through the gateway once confirmed."""

    recipient_id: str
    channel: str  # "fax" or "email"
    address: str  # what the message is addressed to (the gateway's address for a fax)
    file: str
    message: EmailMessage

    @property
    def sha256(self) -> str:
        return hashlib.sha256(bytes(self.message)).hexdigest()


@dataclass(frozen=True)
class Batch:
    """What a confirmation link stands for."""

    who: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    recipient_ids: tuple[str, ...]  # the letters still waiting, in order


@dataclass
class Round:
    """What one pass of :func:`send_confirmed` did (counts only: no one's data)."""

    sent: int = 0
    already_sent: int = 0  # the same supporter's letter to the same office went before
    over_cap: Counter[str] = field(default_factory=Counter)  # recipient id -> letters waiting
    failed: int = 0
    #: the office (or the fax gateway, for its number) refused the letter for good (5xx to
    #: RCPT): journaled as failed and deleted, not tried again every pass
    refused: int = 0
    #: left "sending" by a pass that stopped between the gateway and the journal (or being
    #: sent by another process now): never sent again by this, see `report`
    in_progress: int = 0
    expired: int = 0  # batches deleted after hold_hours, confirmed or not
    outside_window: bool = False  # delivery.yaml's `window` is closed: nothing sent


def who_of(secret: str, email: str) -> str:
    """A supporter's e-mail as the store and the journal know it: a keyed digest (the same
    address always gives the same digest under one key; the address cannot be read back)."""
    digest = hmac.new(secret.encode(), comparable(email).encode(), hashlib.sha256)
    return "web:" + digest.hexdigest()[:32]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


class PendingStore:
    """The SQLite file of letters waiting for their supporter's confirmation."""

    def __init__(self, path: Path, settings: WebSending) -> None:
        self.path = path
        self.settings = settings
        make_folder(path.parent)
        with self._db() as db:
            for statement in SCHEMA:
                db.execute(statement)
        path.chmod(0o600)  # letters with names and addresses: the server's account only

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA secure_delete=ON")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def hold(self, who: str, letters: list[HeldLetter], now: dt.datetime) -> str:
        """Keep ``letters`` until confirmed; returns the token for the link (kept nowhere
        but in the e-mail). PendingError when this address had its confirmations today."""
        token = secrets.token_urlsafe(32)
        since = _iso(now - dt.timedelta(days=1))
        with self._db() as db:
            asked = db.execute(
                "SELECT COUNT(*) FROM batches WHERE who=? AND created_at > ?", (who, since)
            ).fetchone()[0]
            if asked >= self.settings.confirmations_per_address_per_day:
                raise PendingError("too many confirmation e-mails to this address today")
            db.execute(
                "INSERT INTO batches (token_hash, who, created_at) VALUES (?, ?, ?)",
                (_token_hash(token), who, _iso(now)),
            )
            db.executemany(
                "INSERT INTO letters (token_hash, position, recipient_id, channel, address,"
                " file, sha256, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (_token_hash(token), n, h.recipient_id, h.channel, h.address, h.file,
                     h.sha256, bytes(h.message))
                    for n, h in enumerate(letters)
                ],
            )  # fmt: skip
        return token

    def drop(self, token: str) -> bool:
        """Delete a batch and its letters (the supporter changed their mind)."""
        with self._db() as db:
            gone = db.execute("DELETE FROM batches WHERE token_hash=?", (_token_hash(token),))
            return gone.rowcount > 0

    def batch(self, token: str, now: dt.datetime) -> Batch | None:
        """The batch a link stands for, or None (unknown, or past hold_hours)."""
        self.expire(now)
        with self._db() as db:
            row = db.execute(
                "SELECT who, created_at, confirmed_at FROM batches WHERE token_hash=?",
                (_token_hash(token),),
            ).fetchone()
            if row is None:
                return None
            ids = db.execute(
                "SELECT recipient_id FROM letters WHERE token_hash=? ORDER BY position",
                (_token_hash(token),),
            ).fetchall()
        confirmed = row["confirmed_at"]
        return Batch(
            row["who"],
            dt.datetime.fromisoformat(row["created_at"]),
            dt.datetime.fromisoformat(confirmed) if confirmed else None,
            tuple(r["recipient_id"] for r in ids),
        )

    def confirm(self, token: str, now: dt.datetime) -> bool:
        """Mark a batch confirmed (again: no change); False if unknown or expired."""
        if self.batch(token, now) is None:
            return False
        with self._db() as db:
            db.execute(
                "UPDATE batches SET confirmed_at=COALESCE(confirmed_at, ?) WHERE token_hash=?",
                (_iso(now), _token_hash(token)),
            )
        return True

    def expire(self, now: dt.datetime) -> int:
        """Delete every batch older than hold_hours, confirmed or not; returns how many."""
        limit = _iso(now - dt.timedelta(hours=self.settings.hold_hours))
        with self._db() as db:
            return db.execute("DELETE FROM batches WHERE created_at <= ?", (limit,)).rowcount

    def confirmed(self) -> list[sqlite3.Row]:
        with self._db() as db:
            return db.execute(
                "SELECT b.who, l.* FROM letters l JOIN batches b USING (token_hash)"
                " WHERE b.confirmed_at IS NOT NULL ORDER BY b.confirmed_at, l.position"
            ).fetchall()

    def sent(self, token_hash: str, position: int) -> None:
        """Delete a letter once it left (its batch too when it was the last)."""
        with self._db() as db:
            db.execute(
                "DELETE FROM letters WHERE token_hash=? AND position=?", (token_hash, position)
            )
            db.execute(
                "DELETE FROM batches WHERE token_hash=? AND NOT EXISTS (SELECT 1 FROM letters"
                " WHERE letters.token_hash=batches.token_hash)",
                (token_hash,),
            )


def sent_today(journal: Journal, appeal_code: str, today: dt.date) -> Counter[str]:
    """Letters the journal records as sent today, by authority (for the daily caps)."""
    return Counter(
        row.key.recipient_id
        for row in journal.rows(appeal_code)
        if row.status == "sent" and (row.sent_at or "")[:10] == today.isoformat()
    )


def send_confirmed(
    store: PendingStore,
    journal: Journal,
    transport: SmtpTransport,
    config: DeliveryConfig,
    appeal_code: str,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    pacer: Pacer | None = None,
) -> Round:
    """Send every confirmed letter once, paced, within each authority's daily cap; delete each
    as it leaves, and every batch past hold_hours. A letter over the cap waits for the next
    day or its expiry; one that failed is tried again on the next pass."""
    settings = config.web_sending
    assert settings is not None
    done = Round(expired=store.expire(now()))
    if not within_window(config.window, now().astimezone()):  # the window is in local time
        done.outside_window = True
        return done
    pacer = pacer or Pacer(config.per_minute, config.per_authority_per_minute)
    counts = sent_today(journal, appeal_code, now().date())
    for row in store.confirmed():
        key = Key(appeal_code, row["recipient_id"], row["who"], row["channel"])
        status = journal.status(key)
        if status == "sent":
            store.sent(row["token_hash"], row["position"])
            done.already_sent += 1
            continue
        if status == "sending":
            done.in_progress += 1
            continue
        if counts[key.recipient_id] >= settings.per_authority_per_day:
            done.over_cap[key.recipient_id] += 1
            continue
        pacer.wait(key.recipient_id)
        claim = journal.claim(key, row["address"], row["file"], row["sha256"], resend=False)
        if claim != "claimed":
            done.in_progress += claim == "in-progress"
            continue  # another process took it, or a crash left it in progress: not twice
        message = message_from_bytes(row["message"], _class=EmailMessage, policy=SMTP)
        try:
            answer = transport.send(message)
        except DeliveryError as exc:
            journal.finish(key, "failed", str(exc))
            done.failed += 1
            break  # the server is down: the rest wait for the next pass
        except (smtplib.SMTPException, OSError) as exc:
            transport.reset()
            journal.finish(key, "failed", server_answer(exc))
            if _refused_for_good(exc):
                store.sent(row["token_hash"], row["position"])  # not every pass for a day
                done.refused += 1
            else:
                done.failed += 1
            continue
        journal.finish(key, "sent", answer, str(message["Message-ID"]))
        store.sent(row["token_hash"], row["position"])
        counts[key.recipient_id] += 1
        done.sent += 1
    return done


def _refused_for_good(exc: Exception) -> bool:
    """The server refused the letter's first recipient with a permanent (5xx) answer: an
    unknown fax number or mailbox, which no later pass will change."""
    if not isinstance(exc, smtplib.SMTPRecipientsRefused) or not exc.recipients:
        return False
    code = next(iter(exc.recipients.values()))[0]
    return 500 <= code < 600
