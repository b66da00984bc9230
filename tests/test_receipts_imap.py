"""Receipts read from an IMAP folder (``receipts --imap``): a real IMAP server on localhost
(pymap, its in-memory backend), the receipts APPENDed to it as the user before each test,
read over plain text, STARTTLS and TLS with a certificate this test makes and trusts; and
fake servers that misbehave (garbage, a huge literal, a dropped connection, silence)."""

from __future__ import annotations

import imaplib
import itertools
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeal_letters.cli import main
from appeal_letters.deliver import JOURNAL_NAME, Journal
from appeal_letters.deliver import imap as imap_module
from appeal_letters.deliver.imap import imap_settings, read_imap
from appeal_letters.deliver.receipts import MailboxError

from .test_delivery import Recorder, free_port, smtp_server  # noqa: F401
from .test_receipts import FOLDER, _sent_ids, gateway_note, receipts_for, sent  # noqa: F401

USER, PASSWORD = "fax@example.org", 'S3cret "pass\\wörd'  # sent by AUTH=PLAIN, as pymap offers
ENV = {"APPEAL_IMAP_USER": USER, "APPEAL_IMAP_PASSWORD": PASSWORD}
FAKE_PASSWORD = 'S3cret "pass\\word'  # sent by LOGIN, as the fake servers offer no more
FAKE_ENV = {**ENV, "APPEAL_IMAP_PASSWORD": FAKE_PASSWORD}
_folders = itertools.count(1)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A self-signed certificate for localhost and 127.0.0.1 (key beside it), or None
    without openssl (the TLS tests then skip)."""
    if shutil.which("openssl") is None:
        return None
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem"


def _wait_for(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@pytest.fixture(scope="module")
def imap_server(
    certificate: Path | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    """pymap on a free port of 127.0.0.1, with USER and PASSWORD (STARTTLS offered when a
    certificate could be made); its port."""
    try:
        import pymap  # noqa: F401
    except ImportError:
        pytest.skip("pymap is not installed (pip install -e '.[dev]'): no IMAP server to test")
    port = free_port()
    tls = ["--cert", str(certificate), "--key", str(certificate.with_name("key.pem"))] \
        if certificate else ["--no-tls"]  # fmt: skip
    log = tmp_path_factory.mktemp("pymap") / "pymap.log"
    with log.open("wb") as output:  # a file, not a pipe nobody reads: it cannot fill up
        process = subprocess.Popen(
            [sys.executable, "-c", "from pymap.main import main; main()", "--host", "127.0.0.1",
             "--port", str(port), *tls, "dict", "--demo-user", USER, "--demo-password", PASSWORD],
            env={**os.environ, "FQDN": "localhost"}, stdout=output, stderr=output,
        )  # fmt: skip
    try:
        _wait_for(port, process)
    except RuntimeError:
        process.kill()
        process.wait()
        pytest.skip(f"pymap did not start: {log.read_text(errors='replace')[-500:]}")
    try:
        yield port
    finally:
        process.kill()
        process.wait()


def _as_user(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    client.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
    return client


def _quoted(name: str) -> str:
    return imap_module._quoted(imap_module._utf7(name))


def fill(port: int, messages: list[Message], folder: str = "") -> str:
    """APPEND ``messages`` to a new folder (or ``folder``) as the user; its name."""
    folder = folder or f"Receipts {next(_folders)}"
    client = _as_user(port)
    if folder != "INBOX":
        assert client.create(_quoted(folder))[0] == "OK"
    for message in messages:
        data = message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        assert client.append(_quoted(folder), None, None, data)[0] == "OK"
    client.logout()
    return folder


def flags(port: int, folder: str) -> list[str]:
    """Each message's flags, looked at read-only."""
    client = _as_user(port)
    assert client.select(_quoted(folder), readonly=True)[0] == "OK"
    _, data = client.fetch("1:*", "(FLAGS)")
    client.logout()
    return [re.sub(rb".*FLAGS \(([^)]*)\).*", rb"\1", line).decode() for line in data]  # type: ignore[arg-type]


def receipts(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["receipts", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def logged_in(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def journaled(workspace: Path) -> None:
    """An empty send journal, for the tests that fail before a receipt is read."""
    Journal(workspace / FOLDER / JOURNAL_NAME)


@pytest.mark.usefixtures("sent")
def test_receipts_over_imap_are_matched_once_and_the_folder_is_left_as_it_was(
    workspace: Path, imap_server: int, logged_in: None
) -> None:
    fill(imap_server, receipts_for(_sent_ids(workspace)), "INBOX")
    plain = ["--imap", f"127.0.0.1:{imap_server}", "--imap-insecure-plain"]
    code, out, err = receipts(*plain)
    assert code == 0, err
    assert out.splitlines() == [
        "Receipts read: 2 delivered, 1 to send again later (busy, no answer), 1 failed for "
        "good (send those by post).",
        "Also: 0 read before (nothing changed), 1 about no letter in this journal, 1 not "
        "receipts (auto-replies, queued, several letters at once), 0 unreadable.",
    ]
    journal = (workspace / "letters/rus-004-1214-obs-093-1/journal.sqlite").read_bytes()
    code, out, _ = receipts(*plain)  # a cron job reads it every hour: nothing changes
    assert code == 0 and out.startswith("Receipts read: 0 delivered, 0 to send again later")
    assert "Also: 5 read before" in out
    assert (workspace / "letters/rus-004-1214-obs-093-1/journal.sqlite").read_bytes() == journal
    report = CliRunner().invoke(main, ["report"]).stdout
    assert "receipts: 1 failed for good (to post)" in next(
        line for line in report.splitlines() if "Kolokoltsev" in line
    )
    # Still there, none marked read (EXAMINE, BODY.PEEK[]); a read-write fetch would mark it.
    assert flags(imap_server, "INBOX") == ["", "", "", "", "", ""]
    client = _as_user(imap_server)
    client.select("INBOX")
    client.fetch("1", "(BODY[])")
    assert "\\Seen" in client.fetch("1", "(FLAGS)")[1][0].decode()  # type: ignore[union-attr]
    client.store("1", "-FLAGS", "\\Seen")
    client.logout()


@pytest.mark.usefixtures("sent")
def test_a_mailbox_and_an_imap_folder_combine_and_the_same_receipt_counts_once(
    workspace: Path, imap_server: int, logged_in: None
) -> None:
    import mailbox

    messages = receipts_for(_sent_ids(workspace))
    box = mailbox.mbox(workspace / "receipts.mbox", create=True)
    for message in messages[:3]:
        box.add(message)
    box.close()
    folder = fill(imap_server, messages)  # the same three, and three more
    plain = ["--imap", f"localhost:{imap_server}", "--imap-insecure-plain", "--imap-folder"]
    code, out, err = receipts("receipts.mbox", *plain, folder)
    assert code == 0, err
    assert out.startswith("Receipts read: 2 delivered, 1 to send again later")
    assert "Also: 3 read before" in out  # the mbox's three, found again in the folder


@pytest.mark.usefixtures("sent")
def test_tls_and_starttls_with_a_verified_certificate_and_an_awkward_folder_name(
    workspace: Path,
    imap_server: int,
    certificate: Path | None,
    logged_in: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if certificate is None:
        pytest.skip("openssl is not installed: no certificate to test TLS with")
    ids = _sent_ids(workspace)
    name = 'Факсы & "отчёты" \\ 2026'  # non-ASCII (modified UTF-7), &, quotes, a backslash
    folder = fill(imap_server, [gateway_note(ids["president"], "Fax failed", "Line busy.")], name)
    untrusted = receipts("--imap", f"localhost:{imap_server}", "--imap-starttls")
    assert untrusted[0] == 1
    assert untrusted[2].startswith(f"error: localhost:{imap_server}: certificate not trusted (")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # trusted as a system CA would be
    code, out, err = receipts(
        "--imap", f"localhost:{imap_server}", "--imap-starttls", "--imap-folder", folder
    )
    assert code == 0, err
    assert out.startswith("Receipts read: 0 delivered, 1 to send again later")
    # Implicit TLS (port 993's way), through a TLS front to the same server.
    with tls_front(certificate, imap_server) as port:
        code, out, err = receipts("--imap", f"127.0.0.1:{port}", "--imap-folder", folder)
        assert code == 0, err
        assert "Also: 1 read before" in out
        # The default, TLS, to a port that speaks plain text.
        code, _, err = receipts("--imap", f"127.0.0.1:{imap_server}")
        assert code == 1 and err.startswith(
            f"error: 127.0.0.1:{imap_server}: TLS failed (WRONG_VERSION"
        )
        assert len(err.splitlines()) == 1


def test_wrong_password_missing_variables_no_folder_and_a_closed_port_are_one_line(
    journaled: None, imap_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = ["--imap", f"127.0.0.1:{imap_server}", "--imap-insecure-plain"]
    monkeypatch.delenv("APPEAL_IMAP_PASSWORD", raising=False)
    monkeypatch.setenv("APPEAL_IMAP_USER", USER)
    code, out, err = receipts(*plain)
    assert (code, out) == (1, "")
    assert err == (
        "error: --imap: set APPEAL_IMAP_USER and APPEAL_IMAP_PASSWORD in the environment (the "
        "IMAP user name and its password; APPEAL_IMAP_PASSWORD not set)\n"
    )
    wrong = "hunter2-wrong"
    monkeypatch.setenv("APPEAL_IMAP_PASSWORD", wrong)
    code, out, err = receipts(*plain)
    assert code == 1 and wrong not in out + err
    assert err == (
        f"error: 127.0.0.1:{imap_server}: login refused for user '{USER}' ([AUTHENTICATIONFAILED]"
        " Invalid authentication credentials.); check APPEAL_IMAP_USER and APPEAL_IMAP_PASSWORD\n"
    )
    monkeypatch.setenv("APPEAL_IMAP_PASSWORD", PASSWORD)
    code, _, err = receipts(*plain, "--imap-folder", "Nowhere")
    assert code == 1 and err.startswith(
        f"error: 127.0.0.1:{imap_server}: no folder 'Nowhere' ([NONEXISTENT] Mailbox does not "
        "exist.); give it as your mail program has it"
    )
    closed = free_port()
    code, _, err = receipts("--imap", f"127.0.0.1:{closed}", "--imap-insecure-plain")
    assert code == 1
    assert err == f"error: 127.0.0.1:{closed}: connection refused (993 for TLS, 143 otherwise)\n"
    code, _, err = receipts("--imap", "no-such-host.invalid")
    assert code == 1 and err == "error: no-such-host.invalid: unknown host (check --imap)\n"
    for args, message in (
        (["--imap", "imap.example.org", "--imap-insecure-plain"],
         "--imap-insecure-plain sends the password unencrypted: only for a server on this "
         "machine (localhost, 127.0.0.1, ::1), not imap.example.org; use TLS or --imap-starttls"),
        (["--imap", "10.0.0.1:143", "--imap-insecure-plain"], "not 10.0.0.1;"),
        (["--imap", "host:99999"], "--imap 'host:99999': give HOST or HOST:PORT"),
        (["--imap", "a b"], "--imap 'a b': give HOST or HOST:PORT"),
        (["--imap", "h", "--imap-starttls", "--imap-insecure-plain"], "give one or the other"),
        (["--imap-folder", "Fax"], "--imap-folder, --imap-starttls and --imap-insecure-plain go"),
        ([], "give a MAILBOX (Maildir or mbox), --json FILE or --imap HOST, or several"),
    ):  # fmt: skip
        code, _, err = receipts(*args)
        assert code == 1 and message in err and len(err.splitlines()) == 1, err


def test_imap_addresses_and_folder_names() -> None:
    def settings(address: str, **options: bool) -> tuple[str, int, str]:
        found = imap_settings(address, environ=ENV, **options)
        assert PASSWORD not in repr(found)
        return found.host, found.port, found.security

    assert settings("imap.example.org") == ("imap.example.org", 993, "tls")
    assert settings("imap.example.org:1993") == ("imap.example.org", 1993, "tls")
    assert settings("imap.example.org", starttls=True) == ("imap.example.org", 143, "starttls")
    assert settings("[::1]:1143", insecure_plain=True) == ("::1", 1143, "plain")
    assert settings("::1", insecure_plain=True) == ("::1", 143, "plain")
    assert settings("LocalHost", insecure_plain=True)[2] == "plain"
    for bad in ("", ":993", "host:0", "host:x", "user@host", "host/inbox", "[::1"):
        with pytest.raises(MailboxError, match="give HOST or HOST:PORT"):
            settings(bad)
    with pytest.raises(MailboxError, match="--imap-folder: give a folder name"):
        imap_settings("h", " ", environ=ENV)
    with pytest.raises(MailboxError, match="a control character"):
        imap_settings("h", environ={**ENV, "APPEAL_IMAP_PASSWORD": "secret\n"})
    # RFC 3501 5.1.3's own example, and a Russian "Inbox".
    assert imap_module._utf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert imap_module._utf7("Входящие & Co") == "&BBIERQQ+BDQETwRJBDgENQ- &- Co"
    assert imap_module._utf7("a\r\nb LOGOUT") == "a&AA0ACg-b LOGOUT"  # no line break sent


@pytest.mark.slow
@pytest.mark.usefixtures("sent")
def test_the_command_in_a_real_process_never_shows_the_password_or_a_traceback(
    workspace: Path, imap_server: int
) -> None:
    folder = fill(imap_server, receipts_for(_sent_ids(workspace)))
    script = str(Path(sys.executable).with_name("appeal-letters"))
    command = [script, "receipts", "--imap", f"127.0.0.1:{imap_server}", "--imap-insecure-plain",
               "--imap-folder", folder]  # fmt: skip
    env = {**os.environ, **ENV}
    done = subprocess.run(command, env=env, cwd=workspace, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Receipts read: 2 delivered, 1 to send again later")
    refused = subprocess.run(
        command, env={**env, "APPEAL_IMAP_PASSWORD": "wrong-Pa55"}, cwd=workspace,
        capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: ") and len(refused.stderr.splitlines()) == 1
    assert "wrong-Pa55" not in refused.stderr and "Traceback" not in refused.stderr


def test_a_message_over_the_size_limit_is_counted_not_fetched(imap_server: int) -> None:
    huge = gateway_note("<a@x>", "Fax sent successfully", "Pages: 1\n" + "x" * 200_000)
    small = gateway_note("<b@x>", "Fax failed", "Line busy.")
    folder = fill(imap_server, [huge, small])
    found = list(
        read_imap(
            imap_settings(f"127.0.0.1:{imap_server}", folder, insecure_plain=True, environ=ENV),
            size_limit=100_000,
        )
    )
    assert [(source, message is None) for source, message in found] == [
        ("", True),
        (small["Message-ID"], False),
    ]


# Fake servers that misbehave: each answers a script, and records what it was asked.


class Hangup(bytes):
    """An answer after which the fake server hangs up."""


class FakeImap:
    """An IMAP server on localhost that answers each command by ``answer(tag, command)``:
    bytes to send (a :class:`Hangup` to hang up after them), or None to hang up at once."""

    def __init__(self, answer: Callable[[str, str], bytes | None], greeting: bytes = b"") -> None:
        self.answer, self.greeting, self.asked = answer, greeting, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines:
                conn.sendall(self.greeting or b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n")
                for line in lines:
                    tag, _, command = line.decode().strip().partition(" ")
                    self.asked.append(command)
                    reply = self.answer(tag, command)
                    if reply is None:
                        break
                    try:
                        conn.sendall(reply)
                    except OSError:
                        break
                    if isinstance(reply, Hangup):
                        break

    def close(self) -> None:
        self.listener.close()


def usual(tag: str, command: str, exists: int = 2) -> bytes | None:
    verb = command.split(" ")[0].upper()
    if verb == "CAPABILITY":
        return f"* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n".encode()
    if verb in ("LOGIN", "LOGOUT", "NOOP"):
        return f"{tag} OK done\r\n".encode()
    if verb == "EXAMINE":
        return f"* {exists} EXISTS\r\n{tag} OK [READ-ONLY] done\r\n".encode()
    return f"{tag} BAD unknown\r\n".encode()


@pytest.fixture
def fake() -> Iterator[Callable[..., FakeImap]]:
    made: list[FakeImap] = []

    def start(answer: Callable[[str, str], bytes | None], greeting: bytes = b"") -> FakeImap:
        made.append(FakeImap(answer, greeting))
        return made[-1]

    yield start
    for server in made:
        server.close()


def read_fake(server: FakeImap, **options: float) -> list[tuple[str, Message | None]]:
    settings = imap_settings(f"127.0.0.1:{server.port}", insecure_plain=True, environ=FAKE_ENV)
    return list(read_imap(settings, **options))  # type: ignore[arg-type]


RECEIPT = b"Message-ID: <r1@fax.example.org>\r\nSubject: Fax sent successfully\r\n\r\nOK\r\n"


def fetching(
    bodies: Callable[[str, list[int]], bytes | None], count: int = 2, huge: int = 0
) -> Callable[[str, str], bytes | None]:
    """A server with ``count`` small messages (and message ``huge`` of 20 MB), whose
    BODY.PEEK[] answer ``bodies`` gives."""

    def answer(tag: str, command: str) -> bytes | None:
        if command.startswith("UID FETCH 1:* (RFC822.SIZE)"):
            lines = "".join(
                f"* {n} FETCH (UID {n} RFC822.SIZE {20_000_000 if n == huge else 60})\r\n"
                for n in range(1, count + 1)
            )
            return f"{lines}{tag} OK done\r\n".encode()
        if command.startswith("UID FETCH"):
            return bodies(tag, [int(u) for u in command.split(" ")[2].split(",")])
        return usual(tag, command, count)

    return answer


def test_misbehaving_servers_are_one_clear_line(
    fake: Callable[..., FakeImap], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(server: FakeImap, match: str, **options: float) -> None:
        with pytest.raises(MailboxError, match=match) as caught:
            read_fake(server, **options)
        assert FAKE_PASSWORD not in str(caught.value) and "\n" not in str(caught.value)

    fails(fake(usual, greeting=b"HTTP/1.1 400 Bad Request\r\n\r\n"), r"not an IMAP server \(")
    fails(fake(usual, greeting=b"\x00\xff" * 600_000), "not an IMAP server")  # an endless line
    # Closes the connection once logged in.
    fails(
        fake(lambda tag, command: None if command.startswith("EXAMINE") else usual(tag, command)),
        r"the server failed while opening the folder 'INBOX' \(command: EXAMINE => socket error: "
        r"EOF\); the receipts read before are kept: run again",
    )
    fails(
        fake(lambda tag, command: None if command.startswith("LOGIN") else usual(tag, command)),
        r"failed while logging in \(command: LOGIN => socket error: EOF",
    )
    # Says no to LOGIN with the password in its words: not repeated.
    fails(
        fake(
            lambda tag, c: f"{tag} NO {c}\r\n".encode() if c.startswith("LOGIN") else usual(tag, c)
        ),
        r"login refused for user 'fax@example.org' \(LOGIN \"fax@example.org\" \"\*\*\*\"\)",
    )
    fails(fake(lambda tag, command: b"garbage\r\n"), "not an IMAP server|failed while")
    with pytest.raises(MailboxError, match="LOGIN sends ASCII only, and no AUTH=PLAIN offered"):
        server = fake(usual)
        list(read_imap(imap_settings(f"127.0.0.1:{server.port}", insecure_plain=True, environ=ENV)))
    assert not any(c.startswith("LOGIN") for c in server.asked)
    # A literal of 100 GB announced, then a drop in the middle of a message.
    fails(
        fake(fetching(lambda tag, uids: b"* 1 FETCH (UID 1 BODY[] {99999999999}\r\n")),
        "the server announced 99999999999 bytes at once, over the limit",
    )
    fails(
        fake(fetching(lambda tag, uids: Hangup(b"* 1 FETCH (UID 1 BODY[] {500}\r\nMessage-ID: <"))),
        r"failed while reading 'INBOX' \(",
    )
    # An answer that never ends (within the budget of one command, made small here).
    monkeypatch.setattr(imap_module._Capped, "budget", 1_000_000)
    fails(
        fake(fetching(lambda tag, uids: b"* OK chatter\r\n" * 100_000)),
        "over 1000000 bytes in answer to one command",
    )
    # Silence: the time-out.
    silent = fake(usual, greeting=b" ")
    start = time.monotonic()
    fails(silent, r"no answer within 0.5 seconds|not an IMAP server", timeout=0.5)
    assert time.monotonic() - start < 5


@pytest.mark.usefixtures("sent")
def test_a_server_gone_mid_way_keeps_the_receipts_read_before(
    workspace: Path, fake: Callable[..., FakeImap], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    ids = _sent_ids(workspace)
    first = gateway_note(ids["president"], "Fax sent successfully", "Pages: 1").as_bytes()

    def bodies(tag: str, uids: list[int]) -> bytes:
        if uids == [1]:
            return b"* 1 FETCH (UID 1 BODY[] {%d}\r\n%s)\r\n%s OK done\r\n" % (
                len(first),
                first,
                tag.encode(),
            )
        return Hangup(b"* 2 FETCH (UID 2 BODY[] {900}\r\nFrom: ")

    monkeypatch.setattr(imap_module, "BATCH", 1)
    server = fake(fetching(bodies))
    code, out, err = receipts("--imap", f"127.0.0.1:{server.port}", "--imap-insecure-plain")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: 127.0.0.1:{server.port}: the server failed while reading ")
    assert err.endswith("the receipts read before are kept: run again\n")
    report = CliRunner().invoke(main, ["report"]).stdout
    assert "receipts: 1 delivered" in next(line for line in report.splitlines() if "Putin" in line)


def test_starttls_not_offered_is_refused_before_the_password_goes(
    fake: Callable[..., FakeImap],
) -> None:
    server = fake(usual)
    settings = imap_settings(f"127.0.0.1:{server.port}", starttls=True, environ=FAKE_ENV)
    with pytest.raises(MailboxError, match="no STARTTLS offered; use TLS"):
        list(read_imap(settings))
    assert not any(c.startswith(("LOGIN", "AUTHENTICATE")) for c in server.asked)


def test_fetches_go_in_batches_by_uid_peek_only_and_what_is_missing_is_unreadable(
    fake: Callable[..., FakeImap],
) -> None:
    def bodies(tag: str, uids: list[int]) -> bytes:
        out = b""
        for uid in uids:
            if uid % 100 == 7:
                continue  # gone while read (expunged by the mail program)
            body = RECEIPT.replace(b"<r1@", f"<r{uid}@".encode())
            # The UID after the literal half the time, as servers may send it.
            out += (
                b"* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (uid, uid, len(body), body)
                if uid % 2
                else b"* %d FETCH (BODY[] {%d}\r\n%s UID %d)\r\n" % (uid, len(body), body, uid)
            )
        return out + f"{tag} OK done\r\n".encode()

    server = fake(fetching(bodies, count=451, huge=300))
    found = read_fake(server)
    assert len(found) == 451
    missing = [n for n, (_, message) in enumerate(found, 1) if message is None]
    assert missing == [7, 107, 207, 300, 307, 407]
    assert found[1][0] == "<r2@fax.example.org>" and found[2][0] == "<r3@fax.example.org>"
    fetches = [c for c in server.asked if c.startswith("UID FETCH") and "BODY" in c]
    assert [len(c.split(" ")[2].split(",")) for c in fetches] == [200, 199, 51]
    assert all(c.endswith("(BODY.PEEK[])") for c in fetches)
    assert ",300," not in ",".join(fetches)  # over the limit: never asked for
    assert [c.split(" ")[0] for c in server.asked] == [
        "CAPABILITY", "LOGIN", "EXAMINE", "UID", "UID", "UID", "UID", "LOGOUT",
    ]  # fmt: skip


def tls_front(certificate: Path, target: int) -> _TlsFront:
    return _TlsFront(certificate, target)


class _TlsFront:
    """Implicit TLS (as on port 993) in front of a plain-text server: pymap offers STARTTLS
    only."""

    def __init__(self, certificate: Path, target: int) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(certificate, certificate.with_name("key.pem"))
        self.target, self.listener = target, socket.create_server(("127.0.0.1", 0))

    def __enter__(self) -> int:
        threading.Thread(target=self._serve, daemon=True).start()
        return int(self.listener.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.listener.accept()
                outer = self.context.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                if self.listener.fileno() == -1:
                    return
                continue
            inner = socket.create_connection(("127.0.0.1", self.target))
            for source, sink in ((outer, inner), (inner, outer)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with source, sink:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
