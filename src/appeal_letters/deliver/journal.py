"""The send journal: one SQLite row per (appeal, recipient, supporter, channel).

A letter is claimed (status ``sending``) in a write transaction before it goes out, so two
runs at once cannot both send it, and a run that crashes after the server took the letter
leaves ``sending`` behind: it is never sent again unless the user asks (``--resend ID``,
``--resend-interrupted``).

Every letter the server took is also appended to ``sent.log`` beside the journal (one JSON
line, synced to disk): a journal that is lost is rebuilt from it, and one that is empty or
not a journal at all is refused, since taking it for new would send every letter again.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import OutputError
from ..files import end_last_line, make_folder
from .journal_answers import (
    POSTED_SCHEMA,
    RECEIPTS_SCHEMA,
    REPLIES_SCHEMA,
    TRIES_SCHEMA,
    Answers,
    Key,
    Reply,
    _now,
)

__all__ = ["JOURNAL_NAME", "SENT_LOG", "Journal", "Key", "Reply", "Row"]

Status = Literal["sending", "sent", "failed"]
JOURNAL_NAME = "journal.sqlite"
SENT_LOG = "sent.log"
#: How long opening the journal waits for another run that holds its lock.
LOCK_WAIT_SECONDS = 60

SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    appeal_code   TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    supporter     TEXT NOT NULL,
    channel       TEXT NOT NULL,
    address       TEXT NOT NULL,
    file          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    answer        TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_by    TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL,
    sent_at       TEXT,
    PRIMARY KEY (appeal_code, recipient_id, supporter, channel)
)
"""


@dataclass(frozen=True)
class Row:
    key: Key
    address: str
    file: str
    sha256: str
    status: Status
    answer: str
    attempts: int
    updated_at: str
    sent_at: str | None


Claim = Literal["claimed", "already-sent", "in-progress"]


class Journal(Answers):
    """A handle on ``journal.sqlite``; each method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.log = path.with_name(SENT_LOG)
        self.owner = f"{os.getpid()}@{_now()}"
        self.rebuilt = 0  # letters restored from sent.log when the journal was missing
        try:
            make_folder(path.parent)
            self._create()
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"{path}: cannot create the send journal: {exc}") from exc
        if path.stat().st_size == 0:
            remedy = (
                f"remove it to rebuild it from {self.log.name}"
                if self.log.is_file()
                else "restore it from a backup (removing it would send every letter again)"
            )
            raise OutputError(f"{path}: the send journal is empty (truncated?); {remedy}")
        try:
            self._open()
        except sqlite3.Error as exc:
            raise OutputError(f"{path}: cannot open the send journal: {exc}") from exc

    def _create(self) -> None:
        """Create the journal if there is none, whole or not at all: it is made (and rebuilt
        from ``sent.log``) under a name of its own and linked into place, so another run never
        sees it half-made; an empty file is a journal truncated by accident."""
        if self.path.exists():
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            with closing(sqlite3.connect(tmp, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(SCHEMA)
                db.execute(RECEIPTS_SCHEMA)
                db.execute(REPLIES_SCHEMA)
                db.execute(POSTED_SCHEMA)
                db.execute(TRIES_SCHEMA)
                db.execute("BEGIN IMMEDIATE")
                restored = self._rebuild(db)
                db.execute("COMMIT")
            with contextlib.suppress(FileExistsError):  # another run made it first
                os.link(tmp, self.path)
                self.rebuilt = restored
        finally:
            tmp.unlink(missing_ok=True)

    def _open(self) -> None:
        """Check the journal is one; wait for another run that holds its lock meanwhile."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                with closing(self._connect()) as db:
                    found = db.execute(
                        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='sends'"
                    ).fetchone()
                    if found is None:
                        raise OutputError(
                            f"{self.path}: not a send journal (no sends table); move it "
                            "away or restore the journal"
                        )
                    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        db.execute("PRAGMA journal_mode=WAL")  # fails at once when locked
                    db.execute(RECEIPTS_SCHEMA)  # journals made before receipts were read
                    db.execute(REPLIES_SCHEMA)
                    db.execute(POSTED_SCHEMA)
                    db.execute(TRIES_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _rebuild(self, db: sqlite3.Connection) -> int:
        """Restore the letters ``sent.log`` records as sent (when the journal was lost)."""
        if not self.log.is_file():
            return 0
        fields = (
            "appeal_code", "recipient_id", "supporter", "channel", "address", "file", "sha256",
            "answer", "message_id", "sent_at",
        )  # fmt: skip
        count = 0
        lines = self.log.read_bytes().splitlines()
        for number, line in enumerate(lines, start=1):
            try:
                item = json.loads(line.decode("utf-8"))
                values = tuple(str(item[k]) for k in fields)
            except (ValueError, KeyError, TypeError):
                if number == len(lines):
                    continue  # the last line, cut short by a crash
                # Skipping it would send that letter again: the user decides.
                raise OutputError(
                    f"{self.log}:{number}: a damaged line; mend it from a backup or remove it "
                    "(its letter would then be sent again)"
                ) from None
            db.execute(
                "INSERT OR REPLACE INTO sends (appeal_code, recipient_id, supporter, channel,"
                " address, file, sha256, status, answer, message_id, attempts, updated_at,"
                " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, 1, ?, ?)",
                (*values, values[-1]),
            )
            self._add_try(db, Key(*values[:4]), values[-2], values[-1])
            count += 1
        return count

    @staticmethod
    def _add_try(db: sqlite3.Connection, key: Key, message_id: str, sent_at: str) -> None:
        if message_id:
            db.execute(
                "INSERT OR IGNORE INTO tries (message_id, appeal_code, recipient_id, supporter,"
                " channel, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
                (message_id, *key.__dict__.values(), sent_at),
            )

    def _append_sent(
        self, db: sqlite3.Connection, key: Key, answer: str, message_id: str, sent_at: str
    ) -> None:
        row = db.execute(
            "SELECT address, file, sha256 FROM sends WHERE appeal_code=? AND recipient_id=?"
            " AND supporter=? AND channel=?",
            (key.appeal_code, key.recipient_id, key.supporter, key.channel),
        ).fetchone()
        entry = {
            **key.__dict__,
            "address": row["address"] if row else "",
            "file": row["file"] if row else "",
            "sha256": row["sha256"] if row else "",
            "answer": answer[:1000],
            "message_id": message_id,
            "sent_at": sent_at,
        }
        end_last_line(self.log)
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (BEGIN IMMEDIATE): concurrent runs queue here."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def claim(self, key: Key, address: str, file: str, sha256: str, *, resend: bool) -> Claim:
        """Mark a letter as being sent by this run, unless it was sent or is being sent."""
        with self._write() as db:
            row = db.execute(
                "SELECT status, sha256 FROM sends WHERE appeal_code=? AND recipient_id=? "
                "AND supporter=? AND channel=?",
                (key.appeal_code, key.recipient_id, key.supporter, key.channel),
            ).fetchone()
            if row is not None and not resend:
                if row["status"] == "sent":
                    return "already-sent"
                if row["status"] == "sending":
                    return "in-progress"
            db.execute(
                "INSERT INTO sends (appeal_code, recipient_id, supporter, channel, address, file,"
                " sha256, status, attempts, claimed_by, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?)"
                " ON CONFLICT (appeal_code, recipient_id, supporter, channel) DO UPDATE SET"
                " address=excluded.address, file=excluded.file, sha256=excluded.sha256,"
                " status='sending', attempts=attempts + 1, claimed_by=excluded.claimed_by,"
                " updated_at=excluded.updated_at",
                (
                    key.appeal_code,
                    key.recipient_id,
                    key.supporter,
                    key.channel,
                    address,
                    file,
                    sha256,
                    self.owner,
                    _now(),
                ),
            )
            return "claimed"

    def status(self, key: Key) -> Status | None:
        """The letter's status, or None if the journal has never seen it."""
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT status FROM sends WHERE appeal_code=? AND recipient_id=? AND supporter=?"
                " AND channel=?",
                (key.appeal_code, key.recipient_id, key.supporter, key.channel),
            ).fetchone()
        return None if row is None else row["status"]

    def finish(self, key: Key, status: Status, answer: str, message_id: str = "") -> None:
        """Record the server's answer for a letter this run claimed."""
        now = _now()
        with self._write() as db:
            db.execute(
                "UPDATE sends SET status=?, answer=?, message_id=?, updated_at=?,"
                " sent_at=CASE WHEN ?='sent' THEN ? ELSE sent_at END"
                " WHERE appeal_code=? AND recipient_id=? AND supporter=? AND channel=?"
                " AND claimed_by=?",
                (
                    status,
                    answer[:1000],
                    message_id,
                    now,
                    status,
                    now,
                    key.appeal_code,
                    key.recipient_id,
                    key.supporter,
                    key.channel,
                    self.owner,
                ),
            )
            if status == "sent":
                self._append_sent(db, key, answer, message_id, now)
                self._add_try(db, key, message_id, now)

    def rows(self, appeal_code: str | None = None) -> list[Row]:
        with closing(self._connect()) as db:
            query = "SELECT * FROM sends"
            params: tuple[str, ...] = ()
            if appeal_code is not None:
                query += " WHERE appeal_code=?"
                params = (appeal_code,)
            found = db.execute(query + " ORDER BY recipient_id, supporter, channel", params)
            return [
                Row(
                    key=Key(r["appeal_code"], r["recipient_id"], r["supporter"], r["channel"]),
                    address=r["address"],
                    file=r["file"],
                    sha256=r["sha256"],
                    status=r["status"],
                    answer=r["answer"],
                    attempts=r["attempts"],
                    updated_at=r["updated_at"],
                    sent_at=r["sent_at"],
                )
                for r in found.fetchall()
            ]
