"""The send journal's record of what came back: the gateway's receipts and the authorities'
replies (``appeal-letters receipts`` and ``reply add``), kept beside the sends so that
``report`` and ``send --retry`` read one file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass
from typing import Literal


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Key:
    appeal_code: str
    recipient_id: str
    supporter: str
    channel: str


#: What the gateway said about a letter afterwards (deliver/receipts.py), once per receipt:
#: a mailbox read twice changes nothing.
RECEIPTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
    source       TEXT PRIMARY KEY,
    message_id   TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('delivered', 'retryable', 'final')),
    detail       TEXT NOT NULL DEFAULT '',
    pages        INTEGER,
    matched      INTEGER NOT NULL,
    dated        TEXT NOT NULL DEFAULT '',
    received_at  TEXT NOT NULL
)
"""
Applied = Literal["applied", "earlier", "duplicate", "unmatched"]
#: Every Message-ID a letter was sent under: a receipt for an earlier try (the gateway late to
#: confirm a fax that was then sent again) is still that letter's.
TRIES_SCHEMA = """
CREATE TABLE IF NOT EXISTS tries (
    message_id    TEXT PRIMARY KEY,
    appeal_code   TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    supporter     TEXT NOT NULL,
    channel       TEXT NOT NULL,
    sent_at       TEXT NOT NULL
)
"""
#: An authority's answer, logged by hand (``appeal-letters reply add``).
REPLIES_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    appeal_code   TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    received      TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    file          TEXT NOT NULL DEFAULT '',
    added_at      TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Reply:
    recipient_id: str
    received: str  # YYYY-MM-DD
    note: str
    file: str  # relative to the letters folder, or ""


#: Letters that go by post: listed when `send` makes the print pack, dated by `mark posted`.
POSTED_SCHEMA = """
CREATE TABLE IF NOT EXISTS posted (
    appeal_code   TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    supporter     TEXT NOT NULL,
    file          TEXT NOT NULL,
    listed_at     TEXT NOT NULL,
    posted_on     TEXT,
    PRIMARY KEY (appeal_code, recipient_id, supporter)
)
"""


class Answers:
    """The receipts and replies half of :class:`~.journal.Journal`."""

    def _connect(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def apply_receipt(
        self,
        source: str,
        message_id: str,
        outcome: str,
        detail: str,
        pages: int | None,
        dated: str = "",
    ) -> Applied:
        """Record one receipt, once: ``duplicate`` if this receipt was read before, ``earlier``
        if it is about an earlier try of a letter sent again since, ``unmatched`` if no letter
        of the journal was sent under that Message-ID (kept, and counted)."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM receipts WHERE source=?", (source,)).fetchone():
                return "duplicate"
            current = db.execute("SELECT 1 FROM sends WHERE message_id=?", (message_id,))
            earlier = db.execute("SELECT 1 FROM tries WHERE message_id=?", (message_id,))
            matched = 1 if current.fetchone() else 2 if earlier.fetchone() else 0
            db.execute(
                "INSERT INTO receipts (source, message_id, outcome, detail, pages, matched,"
                " dated, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (source, message_id, outcome, detail[:1000], pages, matched, dated, _now()),
            )
        return ("unmatched", "applied", "earlier")[matched]

    def outcomes(self, appeal_code: str) -> dict[Key, tuple[str, str, int | None]]:
        """Each sent letter's newest receipt (by the receipt's own date, then the order read)
        for its current Message-ID: (outcome, the gateway's words, pages); but a letter an
        earlier try of which the gateway says was delivered after all is delivered (it is not
        to be sent again). Letters without a receipt are not in it."""
        with closing(self._connect()) as db:
            found = db.execute(
                "SELECT s.appeal_code, s.recipient_id, s.supporter, s.channel, r.outcome,"
                " r.detail, r.pages FROM sends s JOIN receipts r ON r.message_id = s.message_id"
                " WHERE s.appeal_code=? AND s.message_id != ''"
                " ORDER BY COALESCE(NULLIF(r.dated, ''), r.received_at), r.rowid",
                (appeal_code,),
            ).fetchall()
            late = db.execute(
                "SELECT t.appeal_code, t.recipient_id, t.supporter, t.channel, r.outcome,"
                " r.detail, r.pages FROM tries t JOIN receipts r ON r.message_id = t.message_id"
                " JOIN sends s ON s.appeal_code = t.appeal_code AND s.recipient_id ="
                " t.recipient_id AND s.supporter = t.supporter AND s.channel = t.channel"
                " WHERE t.appeal_code=? AND t.message_id != s.message_id"
                " AND r.outcome = 'delivered' ORDER BY r.rowid",
                (appeal_code,),
            ).fetchall()
        said = {
            Key(r["appeal_code"], r["recipient_id"], r["supporter"], r["channel"]): (
                r["outcome"],
                r["detail"],
                r["pages"],
            )
            for r in found
        }
        for r in late:
            key = Key(r["appeal_code"], r["recipient_id"], r["supporter"], r["channel"])
            if said.get(key, ("",))[0] != "delivered":
                said[key] = ("delivered", f"an earlier try: {r['detail']}", r["pages"])
        return said

    def add_reply(self, appeal_code: str, reply: Reply) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO replies (appeal_code, recipient_id, received, note, file, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (appeal_code, reply.recipient_id, reply.received, reply.note, reply.file, _now()),
            )

    def replies(self, appeal_code: str) -> list[Reply]:
        with closing(self._connect()) as db:
            found = db.execute(
                "SELECT recipient_id, received, note, file FROM replies WHERE appeal_code=?"
                " ORDER BY received, rowid",
                (appeal_code,),
            ).fetchall()
        return [Reply(r["recipient_id"], r["received"], r["note"], r["file"]) for r in found]

    def to_post(self, appeal_code: str, letters: Iterable[tuple[str, str, str]]) -> int:
        """List letters (recipient id, supporter, file) as to post, in one transaction (a
        batch lists thousands); listing one again keeps its posting date. Returns how many."""
        now = _now()
        listed = 0

        def rows() -> Iterator[tuple[str, str, str, str, str]]:
            nonlocal listed
            for rid, who, file in letters:  # one at a time: a batch's records are on disk
                listed += 1
                yield appeal_code, rid, who, file, now

        with self._write() as db:
            db.executemany(
                "INSERT INTO posted (appeal_code, recipient_id, supporter, file, listed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET file=excluded.file",
                rows(),
            )
        return listed

    def unlist_unposted(self, appeal_code: str, supporters: Iterable[str]) -> int:
        """Take off the list to post the letters not posted yet of supporters not in
        ``supporters`` (withdrawn from a batch: their letters were removed); those posted stay.
        Returns how many letters were taken off."""
        keep = set(supporters)
        with self._write() as db:
            rows = db.execute(
                "SELECT recipient_id, supporter FROM posted WHERE appeal_code=?"
                " AND posted_on IS NULL",
                (appeal_code,),
            ).fetchall()
            gone = [(appeal_code, rid, who) for rid, who in rows if who not in keep]
            db.executemany(
                "DELETE FROM posted WHERE appeal_code=? AND recipient_id=? AND supporter=?",
                gone,
            )
        return len(gone)

    def mark_posted(self, appeal_code: str, letters: Iterable[tuple[str, str]], day: str) -> int:
        """Date the posting of listed letters (recipient id, supporter), in one transaction;
        returns how many were listed."""
        with self._write() as db:
            done = db.executemany(
                "UPDATE posted SET posted_on=? WHERE appeal_code=? AND recipient_id=?"
                " AND supporter=?",
                [(day, appeal_code, rid, who) for rid, who in letters],
            )
            return done.rowcount

    def postings(self, appeal_code: str) -> list[tuple[str, str, str | None]]:
        """(recipient id, supporter, posted on or None) of every letter listed to post."""
        with closing(self._connect()) as db:
            found = db.execute(
                "SELECT recipient_id, supporter, posted_on FROM posted WHERE appeal_code=?"
                " ORDER BY recipient_id, supporter",
                (appeal_code,),
            ).fetchall()
        return [(r["recipient_id"], r["supporter"], r["posted_on"]) for r in found]
