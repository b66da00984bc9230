"""The gateway's receipts read from an IMAP folder where they are, as a Maildir is read.

Why: copying them into a Maildir first (fetchmail, offlineimap) is one more tool to set up and
to trust with the password. This only reads: EXAMINE (read-only) and ``BODY.PEEK[]``, never a
STORE, EXPUNGE, COPY or MOVE, so the mail program sees the folder as it was (unread stays
unread). Standard library only (``imaplib``); TLS with a verified certificate unless told
otherwise, the password from the environment and never in a message, a size checked before a
message is fetched, a time-out on the socket. Messages come as ``read_mailbox`` gives them, so
:func:`~.receipts.apply_messages` records both the same way, once each.
"""

from __future__ import annotations

import base64
import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from email.message import Message
from typing import Literal

from .receipts import MailboxError, identified

USER_ENV, PASSWORD_ENV = "APPEAL_IMAP_USER", "APPEAL_IMAP_PASSWORD"
TIMEOUT = 30.0  # seconds the socket waits for the server
SIZE_LIMIT = 10 * 1024 * 1024  # a larger message is counted unreadable, not fetched
BATCH, BATCH_BYTES = 200, 40 * 1024 * 1024  # messages, and bytes, asked for in one FETCH
_ADDRESS = re.compile(
    r"\[([\w:.%]+)\](?::(\d{1,5}))?|([\w.-]+)(?::(\d{1,5}))?|(\w*:[\w.%]*:[\w:.%]*)"
)
_NUMBERS = re.compile(rb"\b(UID|RFC822\.SIZE) (\d+)")
Security = Literal["tls", "starttls", "plain"]


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: Security
    folder: str
    user: str
    password: str = field(repr=False)


def imap_settings(
    address: str,
    folder: str = "INBOX",
    *,
    starttls: bool = False,
    insecure_plain: bool = False,
    environ: Mapping[str, str],
) -> ImapSettings:
    """The server at ``address`` (HOST, HOST:PORT, [IPv6]:PORT), the user and password from
    ``environ``; unencrypted only to this machine."""
    found = _ADDRESS.fullmatch(address)
    parts = found.groups() if found else (None,) * 5
    host, port = parts[0] or parts[2] or parts[4] or "", int(parts[1] or parts[3] or -1)
    if not host or (not 0 < port < 65536 and port != -1):
        raise MailboxError(f"--imap {address!r}: give HOST or HOST:PORT (a port from 1 to 65535)")
    if starttls and insecure_plain:
        raise MailboxError("--imap-starttls and --imap-insecure-plain: give one or the other")
    if insecure_plain and not _loopback(host):
        raise MailboxError(
            "--imap-insecure-plain sends the password unencrypted: only for a server on this "
            f"machine (localhost, 127.0.0.1, ::1), not {host}; use TLS or --imap-starttls"
        )
    if not folder.strip():
        raise MailboxError(
            "--imap-folder: give a folder name (INBOX, or as your mail program has it)"
        )
    user, password = environ.get(USER_ENV, ""), environ.get(PASSWORD_ENV, "")
    if not user or not password:
        missing = " and ".join(n for n, v in ((USER_ENV, user), (PASSWORD_ENV, password)) if not v)
        raise MailboxError(
            f"--imap: set {USER_ENV} and {PASSWORD_ENV} in the environment (the IMAP user name "
            f"and its password; {missing} not set)"
        )
    if re.search(r"[\x00-\x1f\x7f]", user + password):
        raise MailboxError(f"{USER_ENV}, {PASSWORD_ENV}: a control character (a line break?)")
    security: Security = "starttls" if starttls else "plain" if insecure_plain else "tls"
    port = port if port != -1 else 993 if security == "tls" else 143
    return ImapSettings(host, port, security, folder, user, password)


def _loopback(host: str) -> bool:
    with suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return host.lower() == "localhost"


class _Capped(imaplib.IMAP4):
    """A connection that refuses a literal over ``limit`` bytes, and an answer to one command
    over ``budget`` (a server may lie about a size, send ``{99999999999}`` or never end)."""

    limit, budget, _taken = 2 * SIZE_LIMIT, 4 * BATCH_BYTES, 0

    def send(self, data: bytes) -> None:  # type: ignore[override]
        self._taken = 0
        super().send(data)

    def read(self, size: int) -> bytes:
        if size > self.limit:
            raise self.abort(f"the server announced {size} bytes at once, over the limit")
        return self._count(super().read(size))

    def readline(self) -> bytes:
        return self._count(super().readline())

    def _count(self, data: bytes) -> bytes:
        self._taken += len(data)
        if self._taken > self.budget:
            raise self.abort(f"over {self.budget} bytes in answer to one command")
        return data


class _CappedTLS(_Capped, imaplib.IMAP4_SSL):
    pass


def read_imap(
    s: ImapSettings, *, timeout: float = TIMEOUT, size_limit: int = SIZE_LIMIT
) -> Iterator[tuple[str, Message | None]]:
    """Every message of the folder, oldest first, with the identity ``read_mailbox`` gives it
    (None: a message over ``size_limit``, or gone while read; the others go on)."""
    where, step = f"{s.host}:{s.port}", "logging in"
    conn = _connect(s, where, timeout)
    conn.limit = 2 * size_limit + 65536
    try:
        try:
            if "AUTH=PLAIN" in conn.capabilities:  # any characters, base64: nothing to quote
                conn.authenticate("PLAIN", lambda _: f"\0{s.user}\0{s.password}".encode())
            elif not (s.user + s.password).isascii():
                raise MailboxError(f"{where}: LOGIN sends ASCII only, and no AUTH=PLAIN offered")
            else:
                conn.login(_quoted(s.user), s.password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            raise MailboxError(
                f"{where}: login refused for user {s.user!r} ({_words(exc.args, s)}); check "
                f"{USER_ENV} and {PASSWORD_ENV}"
            ) from None
        step = f"opening the folder {s.folder!r}"
        typ, data = conn.select(_quoted(_utf7(s.folder)), readonly=True)  # EXAMINE
        if typ != "OK":
            raise MailboxError(
                f"{where}: no folder {s.folder!r} ({_words(data, s)}); give it as your mail "
                "program has it, a subfolder with the server's separator (INBOX/Fax, INBOX.Fax)"
            )
        step = f"reading {s.folder!r}"
        if not int(data[0] or b"0"):
            return  # empty (UID FETCH 1:* would be an error on some servers)
        sizes: dict[int, int] = {}
        for line in conn.uid("FETCH", "1:*", "(RFC822.SIZE)")[1]:
            found = dict(_NUMBERS.findall(line)) if isinstance(line, bytes) else {}
            if b"UID" in found:
                sizes[int(found[b"UID"])] = int(found.get(b"RFC822.SIZE", b"0"))
        batch, taken = [], 0  # in UID order; those over the limit are not fetched
        for number, uid in enumerate(sorted(sizes), 1):
            batch.append(uid)
            taken += sizes[uid] if sizes[uid] <= size_limit else 0
            if len(batch) == BATCH or taken >= BATCH_BYTES or number == len(sizes):
                bodies = _bodies(conn, [u for u in batch if sizes[u] <= size_limit])
                yield from (identified(bodies[u]) if u in bodies else ("", None) for u in batch)
                batch, taken = [], 0
    except (imaplib.IMAP4.error, OSError, EOFError, ValueError) as exc:
        raise MailboxError(
            f"{where}: the server failed while {step} ({_words(exc.args, s)}); the receipts "
            "read before are kept: run again"
        ) from None
    finally:
        with suppress(Exception):
            conn.logout()  # and shuts the socket down, unless the server was gone
        with suppress(OSError):
            conn.shutdown()


def _connect(s: ImapSettings, where: str, timeout: float) -> _Capped:
    context = ssl.create_default_context()  # the system's CAs, the host name checked
    try:
        if s.security == "tls":
            return _CappedTLS(s.host, s.port, ssl_context=context, timeout=timeout)
        conn = _Capped(s.host, s.port, timeout=timeout)
        try:
            if s.security == "starttls" and "STARTTLS" not in conn.capabilities:
                raise MailboxError(f"{where}: no STARTTLS offered; use TLS (port 993)")
            if s.security == "starttls":
                conn.starttls(ssl_context=context)
        except BaseException:
            with suppress(OSError):
                conn.shutdown()
            raise
        return conn
    except socket.gaierror:
        raise MailboxError(f"{s.host}: unknown host (check --imap)") from None
    except ConnectionRefusedError:
        raise MailboxError(f"{where}: connection refused (993 for TLS, 143 otherwise)") from None
    except TimeoutError:
        raise MailboxError(f"{where}: no answer within {timeout:g} seconds") from None
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(f"{where}: certificate not trusted ({exc.verify_message})") from None
    except ssl.SSLError as exc:
        raise MailboxError(
            f"{where}: TLS failed ({exc.reason}); 993 for TLS, 143 otherwise"
        ) from None
    except OSError as exc:
        raise MailboxError(f"{where}: cannot connect ({exc.strerror or exc})") from None
    except (imaplib.IMAP4.error, EOFError, ValueError) as exc:
        raise MailboxError(f"{where}: not an IMAP server ({_words(exc.args, s)})") from None


def _bodies(conn: _Capped, uids: list[int]) -> dict[int, bytes]:
    """The messages of ``uids`` by UID (which comes before or after each literal)."""
    found: dict[int, bytes] = {}
    pending: bytes | None = None
    for item in conn.uid("FETCH", ",".join(map(str, uids)), "(BODY.PEEK[])")[1] if uids else []:
        head = item[0] if isinstance(item, tuple) else item
        uid = dict(_NUMBERS.findall(head if isinstance(head, bytes) else b"")).get(b"UID")
        if isinstance(item, tuple):
            pending = item[1] if isinstance(item[1], bytes) else None
        if uid and pending is not None:
            found[int(uid)], pending = pending, None
        elif not isinstance(item, tuple):
            pending = None
    return found


def _utf7(name: str) -> str:
    """``name`` in IMAP's modified UTF-7 (RFC 3501 5.1.3), which imaplib does not write."""
    return re.sub(
        r"&|[^\x20-\x7e]+",
        lambda m: "&-" if m.group() == "&" else "&" + base64.b64encode(m.group().encode(
            "utf-16-be")).decode().rstrip("=").replace("/", ",") + "-",
        name,
    )  # fmt: skip


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _words(said: object, s: ImapSettings) -> str:
    """What the server or imaplib said, as one line, the password never in it."""
    items = said if isinstance(said, (list, tuple)) else [said]
    text = " ".join(i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i) for i in items)
    for secret in (s.password, _quoted(s.password)[1:-1]):  # as given, and as LOGIN sent it
        text = text.replace(secret, "***")
    return " ".join(text.split())[:200] or "no reason given"
