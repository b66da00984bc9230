"""Sending for real to an SMTP server on localhost (aiosmtpd), the journal, export, report."""

from __future__ import annotations

import email
import hashlib
import json
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from appeal_letters.cli import main
from appeal_letters.deliver import DeliveryConfig, load_delivery
from appeal_letters.deliver.config import within_window
from appeal_letters.deliver.send import Pacer
from appeal_letters.errors import ValidationError

FAX_GATEWAY = "{number}@fax.example.org"
#: ``appeal-letters send`` as a real process, next to this interpreter.
SEND_COMMAND = [
    str(Path(sys.executable).with_name("appeal-letters")),
    "send",
    "--sender",
    "sender.example.yaml",
    "--no-dry-run",
]


class Recorder:
    """An SMTP server's handler that keeps every message, and can refuse or hang up."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.hang_up_after: int | None = None
        self.lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.hang_up_after is not None and len(self.messages) >= self.hang_up_after:
                session.transport.close()
                return "421 going away"
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK queued"

    def parsed(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(data, policy=default_policy)  # type: ignore[misc]
            for _, data in self.messages
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    # Its readiness check waits 5 s by default: too short when the whole suite runs on two
    # cores beside a browser (a CI run once timed out sixteen times on it).
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def write_config(workspace: Path, port: int, **extra: Any) -> None:
    config = {
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5},
        "fax_gateway": FAX_GATEWAY,
        "per_minute": 10000,
        "per_authority_per_minute": 100,
    } | extra
    (workspace / "delivery.yaml").write_text(json.dumps(config), encoding="utf-8")


@pytest.fixture
def rendered(workspace: Path) -> Path:
    result = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--date", "2026-11-26"]
    )
    assert result.exit_code == 0, result.output
    return workspace / "letters" / "rus-004-1214-obs-093-1"


def send(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["send", "--sender", "sender.example.yaml", *args])
    return result.exit_code, result.stdout, result.stderr


def journal(folder: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(folder / "journal.sqlite") as db:
        rows = db.execute("SELECT recipient_id, status, answer FROM sends").fetchall()
    return {r: (s, a) for r, s, a in rows}


def test_dry_run_sends_nothing_and_shows_the_messages(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    code, out, _ = send()
    assert code == 0
    assert recorder.messages == []
    assert out.count("(dry run: not sent)") == 9
    assert "To: 74956921725@fax.example.org" in out
    assert "Subject: Urgent appeal RUS 004 / 1214 / OBS 093.1: Attack on Igor Kalyapin" in out
    assert "by hand      06-ombudsman.pdf: no channel is known" in out
    assert "Dry run: nothing was sent" in out
    assert not (rendered / "journal.sqlite").exists() or journal(rendered) == {}


def test_real_send_delivers_each_letter_once_with_its_pdf(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    code, out, err = send("--no-dry-run")
    assert code == 0, err
    assert "Done: 9 sent" in out
    manifest = json.loads((rendered / "manifest.json").read_text(encoding="utf-8"))
    digests = {e["file"]: e["sha256"] for e in manifest["letters"]}
    messages = recorder.parsed()
    assert len(messages) == 9
    assert sorted(rcpt[0] for rcpt, _ in recorder.messages) == sorted(
        FAX_GATEWAY.replace("{number}", e["channel_address"][1:])
        for e in manifest["letters"]
        if e["channel"] == "fax"
    )
    for message in messages:
        assert "RUS 004 / 1214 / OBS 093.1" in str(message["Subject"])
        assert message["From"] == "Jane Doe <jane.doe@example.org>"
        assert message["Message-ID"] and message["Date"]
        assert message["X-Appeal-Reference"] == "RUS 004 / 1214 / OBS 093.1"
        (attachment,) = list(message.iter_attachments())
        data = attachment.get_content()
        assert hashlib.sha256(data).hexdigest() == digests[attachment.get_filename()]
        body = message.get_body(("plain",))
        assert body is not None
        assert "Please quote the reference RUS 004 / 1214 / OBS 093.1" in body.get_content()
    assert {s for s, _ in journal(rendered).values()} == {"sent"}
    # A second run sends nothing: the journal knows; a dry run says so too.
    code, out, _ = send()
    assert code == 0 and out.count("  already-sent ") == 9 and "(0 message(s) shown)" in out
    code, out, _ = send("--no-dry-run")
    assert code == 0 and "Done: 9 already-sent" in out
    assert len(recorder.messages) == 9
    # --resend ID is the explicit way to send one authority's letter again; nothing else goes.
    code, out, _ = send("--no-dry-run", "--resend", "president")
    assert code == 0 and len(recorder.messages) == 10, out
    assert recorder.messages[-1][0] == [FAX_GATEWAY.replace("{number}", "74956065173")]
    code, _, err = send("--no-dry-run", "--resend", "nobody")
    assert code == 1 and "no recipient has the id 'nobody'" in err


def test_non_ascii_names_are_encoded(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    (workspace / "zoe.yaml").write_text(
        "name: Zoë Ünal-Øster\naddress: [Rue du Lac 1, 1200 Genève]\nemail: zoe@example.org\n",
        encoding="utf-8",
    )
    made = CliRunner().invoke(main, ["render", "--sender", "zoe.yaml", "--out", "zoe"])
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(
        main, ["send", "--sender", "zoe.yaml", "--letters", "zoe", "--no-dry-run", "--limit", "1"]
    )
    assert result.exit_code == 0, result.output
    ((_, raw),) = recorder.messages
    assert b"Zo\xc3\xab" not in raw.split(b"\r\n\r\n")[0]  # headers are 7-bit, encoded
    message = recorder.parsed()[0]
    assert str(make_header(decode_header(message["From"]))) == "Zoë Ünal-Øster <zoe@example.org>"
    body = message.get_body(("plain",))
    assert body is not None and "Zoë Ünal-Øster" in body.get_content()


def test_refused_recipients_are_journaled_and_retried(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    recorder.refuse = {"74956921725@fax.example.org", "3223742613@fax.example.org"}
    code, out, _ = send("--no-dry-run")
    assert code == 1
    assert (
        "failed       02-prosecutor-general.pdf -> 74956921725@fax.example.org "
        "(550 5.1.1 mailbox unavailable)" in out
    )
    state = journal(rendered)
    assert state["prosecutor-general"] == ("failed", "550 5.1.1 mailbox unavailable")
    assert state["ambassador-belgium"][0] == "failed"
    assert sum(s == "sent" for s, _ in state.values()) == 7
    recorder.refuse = set()
    code, out, _ = send("--no-dry-run")
    assert code == 0 and "Done: 7 already-sent, 2 sent" in out
    assert len(recorder.messages) == 9
    assert sorted(rcpt[0] for rcpt, _ in recorder.messages[-2:]) == sorted(
        ["74956921725@fax.example.org", "3223742613@fax.example.org"]
    )


def test_server_hanging_up_mid_run(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    recorder.hang_up_after = 4
    code, _, _ = send("--no-dry-run")
    assert code == 1
    state = journal(rendered)
    sent = {r for r, (s, _) in state.items() if s == "sent"}
    assert len(sent) == len(recorder.messages) == 4
    assert all(s in ("sent", "failed") for s, _ in state.values())
    recorder.hang_up_after = None
    code, _, _ = send("--no-dry-run")
    assert code == 0
    received = [rcpt[0] for rcpt, _ in recorder.messages]
    assert len(received) == len(set(received)) == 9  # each letter exactly once


def test_server_down_then_up(rendered: Path, workspace: Path) -> None:
    port = free_port()  # nothing listens there
    write_config(workspace, port)
    code, out, _ = send("--no-dry-run")
    assert code == 1
    assert "cannot use the mail server" in out
    assert out.count("left ") == 8
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    try:
        code, out, _ = send("--no-dry-run")
    finally:
        controller.stop()
    assert code == 0 and "Done: 9 sent" in out
    assert len(recorder.messages) == 9


@pytest.mark.slow
def test_two_runs_at_once_send_each_letter_once(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    runs = [
        subprocess.Popen(
            SEND_COMMAND,
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    received = [rcpt[0] for rcpt, _ in recorder.messages]
    assert len(received) == len(set(received)) == 9
    claimed = sum(out.count(" sent ") for out, _ in outputs)
    assert claimed == 9


def test_test_to_sends_everything_to_one_address_and_leaves_the_journal(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    code, _, err = send("--no-dry-run", "--test-to", "me@example.org", "--copy-to-me")
    assert code == 0, err
    assert len(recorder.messages) == 9
    for rcpts, _ in recorder.messages:
        assert rcpts == ["me@example.org", "jane.doe@example.org"]
    for message in recorder.parsed():
        assert str(message["Subject"]).startswith("[TEST] Urgent appeal RUS 004")
        assert "Bcc" not in message
    assert not (rendered / "journal.sqlite").exists() or journal(rendered) == {}


def test_export_writes_eml_files_that_parse_back(rendered: Path, workspace: Path) -> None:
    write_config(workspace, 25)
    result = CliRunner().invoke(main, ["export", "--sender", "sender.example.yaml"])
    assert result.exit_code == 0, result.output
    out = rendered / "export"
    emls = sorted(out.glob("*.eml"))
    assert len(emls) == 9
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        assert isinstance(message, EmailMessage)
        (attachment,) = list(message.iter_attachments())
        pdf = rendered / str(attachment.get_filename())
        assert attachment.get_content() == pdf.read_bytes()
        assert str(message["To"]).endswith("@fax.example.org")
    page = (out / "send-yourself.html").read_text(encoding="utf-8")
    assert page.count("mailto:") == 9
    assert "06-ombudsman.pdf" in page and "no channel is known" in page


def test_report_quotes_the_code_without_names(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    recorder.refuse = {"74956921725@fax.example.org"}
    send("--no-dry-run")
    result = CliRunner().invoke(main, ["report", "--csv", "report.csv"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Urgent appeal RUS 004 / 1214 / OBS 093.1: Attack on Igor Kalyapin")
    assert "Report of the letters sent (8 sent by 1 supporter)." in text
    assert "- Mr Vladimir Putin, President of the Russian Federation: 1 sent by fax" in text
    assert (
        "Not delivered:\n- Mr Yurii Ya. Chaika, Prosecutor General of the Russian "
        "Federation: 550 5.1.1 mailbox unavailable" in text
    )
    assert "Jane" not in text and "jane.doe" not in text
    rows = (workspace / "report.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == (
        "appeal_code,recipient_id,recipient,channel,status,answer,attempts,sent_at,delivery"
    )
    assert len(rows) == 10
    named = CliRunner().invoke(main, ["report", "--include-names"])
    assert "Supporters: jane.doe@example.org" in named.stdout


def test_pacer_keeps_the_rates() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(per_minute=30, per_authority_per_minute=2, clock=lambda: now[0], sleep=sleep)
    for authority in ["a", "b", "a", "a"]:
        pacer.wait(authority)
    # 2 s between any two messages; the third to "a" (due at 4 s) waits until 60 s, a minute
    # after the first one to "a".
    assert waits == [2.0, 2.0, 56.0]
    assert now[0] == 60.0


def test_sending_window() -> None:
    import datetime as dt

    assert within_window("08:00-18:00", dt.datetime(2026, 11, 26, 9, 30))
    assert not within_window("08:00-18:00", dt.datetime(2026, 11, 26, 18, 0))
    assert within_window("22:00-06:00", dt.datetime(2026, 11, 26, 23, 0))
    assert within_window(None, dt.datetime(2026, 11, 26, 3, 0))
    with pytest.raises(ValueError, match="window of hours"):
        DeliveryConfig(window="8-18")


def test_bad_delivery_settings_are_reported_with_positions(tmp_path: Path) -> None:
    path = tmp_path / "delivery.yaml"
    path.write_text(
        "smtp:\n  host: mail.example.org\n  port: 99999\nfax_gateway: fax.example.org\n"
        "pre_minute: 5\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        load_delivery(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:3:3: smtp.port: Input should be less than or equal to 65535",
        f"{path}:4:1: fax_gateway: must contain {{number}} once and no other {{...}}, "
        "e.g. '{number}@fax.example.org'",
        f"{path}:5:1: pre_minute: unknown field (a typo?); allowed: smtp, from_address, "
        "fax_gateway, per_minute, per_authority_per_minute, window, issuer_contact, retry, "
        "web_sending",
    ]


@pytest.mark.slow
def test_a_run_killed_half_way_loses_nothing_and_sends_nothing_twice(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    import os
    import signal
    import time

    recorder, port = smtp_server
    write_config(workspace, port, per_minute=60)  # one message a second: time to kill it
    run = subprocess.Popen(
        SEND_COMMAND,
        cwd=workspace,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(recorder.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    first = len(recorder.messages)
    assert 3 <= first < 9
    write_config(workspace, port)
    code, out, _ = send("--no-dry-run")
    received = [rcpt[0] for rcpt, _ in recorder.messages]
    assert len(received) == len(set(received)), "a letter was sent twice"
    state = journal(rendered)
    in_progress = [r for r, (s, _) in state.items() if s == "sending"]
    # The kill can fall between claiming a letter and recording the server's answer, at most
    # once: that letter is held back, whether or not the server had taken it before the kill.
    assert len(in_progress) <= 1
    sent = {r for r, (s, _) in state.items() if s == "sent"}
    assert len(sent) == 9 - len(in_progress)
    assert len(received) in (len(sent), len(sent) + 1)
    assert len(received) == len(sent) or in_progress  # an extra one only if it was in flight
    assert code == 0
    if in_progress:
        assert "in-progress" in out
        # After checking, --resend-interrupted sends that one letter and nothing else.
        before = len(recorder.messages)
        code, out, _ = send("--no-dry-run", "--resend-interrupted")
        assert code == 0 and len(recorder.messages) == before + 1, out
        assert {s for s, _ in journal(rendered).values()} == {"sent"}


def test_an_empty_journal_is_refused_and_a_lost_one_rebuilt_from_sent_log(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    assert send("--no-dry-run")[0] == 0
    assert len(recorder.messages) == 9
    log = (rendered / "sent.log").read_text(encoding="utf-8").splitlines()
    assert len(log) == 9 and all('"sha256"' in line for line in log)
    # Truncated to nothing: SQLite would take it for a new journal and send all nine again.
    (rendered / "journal.sqlite").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        (rendered / f"journal.sqlite{suffix}").unlink(missing_ok=True)
    code, _, err = send("--no-dry-run")
    assert code == 1 and len(recorder.messages) == 9
    assert "the send journal is empty (truncated?); remove it to rebuild it from sent.log" in err
    # Removed: rebuilt from sent.log, and nothing is sent twice.
    (rendered / "journal.sqlite").unlink()
    code, out, err = send("--no-dry-run")
    assert code == 0, err
    assert len(recorder.messages) == 9 and "9 already-sent" in out
    assert "rebuilt from" in err and "9 letter(s) recorded as sent" in err
    # Something else in its place is refused too.
    (rendered / "journal.sqlite").unlink()
    with sqlite3.connect(rendered / "journal.sqlite") as db:
        db.execute("CREATE TABLE other (x)")
    code, _, err = send("--no-dry-run")
    assert code == 1 and "not a send journal (no sends table)" in err


def _open_and_claim(path: str) -> str:
    from appeal_letters.deliver import Journal
    from appeal_letters.deliver.journal import Key

    journal = Journal(Path(path))
    return journal.claim(Key("C", "r", "s", "fax"), "a", "f", "0", resend=False)


@pytest.mark.slow
def test_two_runs_opening_the_journal_at_once_never_fail(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        for round_ in range(50):
            path = str(tmp_path / f"j{round_}" / "journal.sqlite")
            claims = pool.map(_open_and_claim, [path, path])
            assert sorted(claims) == ["claimed", "in-progress"], claims


def test_the_from_header_cannot_be_forged_through_the_name(
    smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    (workspace / "forger.yaml").write_text(
        'name: "José (x) <evil@attacker.example>"\naddress: ["1 Road"]\nemail: jose@example.org\n',
        encoding="utf-8",
    )
    args = ["--sender", "forger.yaml"]
    rendered = CliRunner().invoke(
        main, ["render", *args, "--recipient", "president", "--date", "2026-11-26"]
    )
    assert rendered.exit_code == 0, rendered.output
    result = CliRunner().invoke(main, ["send", *args, "--no-dry-run"])
    assert result.exit_code == 0, result.output
    [message] = recorder.parsed()
    [sender] = message["From"].addresses
    assert sender.addr_spec == "jose@example.org"
    assert sender.display_name == "José (x) <evil@attacker.example>"


def test_a_title_with_line_breaks_makes_a_one_line_subject(
    smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    appeal = yaml.safe_load((workspace / "appeal.yaml").read_text(encoding="utf-8"))
    appeal["title"] = "Attack on\r\nIgor Kalyapin\r\nBcc: x@evil.example"
    (workspace / "appeal.yaml").write_text(yaml.safe_dump(appeal), encoding="utf-8")
    args = ["--sender", "sender.example.yaml"]
    rendered = CliRunner().invoke(
        main, ["render", *args, "--recipient", "president", "--date", "2026-11-26"]
    )
    assert rendered.exit_code == 0, rendered.output
    result = CliRunner().invoke(main, ["send", *args, "--no-dry-run"])
    assert result.exit_code == 0, result.output
    [(rcpts, _)] = recorder.messages
    assert rcpts == [FAX_GATEWAY.replace("{number}", "74956065173")]
    [message] = recorder.parsed()
    assert message["Bcc"] is None
    assert "Attack on Igor Kalyapin Bcc: x@evil.example" in str(message["Subject"])


def test_line_separators_in_the_code_or_title_are_refused_at_check(workspace: Path) -> None:
    appeal = yaml.safe_load((workspace / "appeal.yaml").read_text(encoding="utf-8"))
    appeal["code"] = "RUS 004\u2028Bcc: x"
    appeal["title"] = "Attack\u2029on \u202eIgor"
    (workspace / "appeal.yaml").write_text(yaml.safe_dump(appeal), encoding="utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "code: must be one line, without line breaks, control characters" in result.stderr
    assert "title: must not hold control characters, bidi overrides" in result.stderr


def test_send_refuses_a_manifest_that_disagrees_with_the_recipients(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    path = rendered / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["letters"][0]["channel"] = "email"
    manifest["letters"][0]["channel_address"] = "someone@attacker.example"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    code, _, err = send("--no-dry-run")
    assert code == 1 and recorder.messages == []
    assert "the letter to president is listed for email someone@attacker.example" in err
    assert "the recipients files say fax +74956065173" in err


def test_test_to_must_be_an_address(rendered: Path, workspace: Path) -> None:
    code, _, err = send("--test-to", "notanemail")
    assert code == 1 and "Traceback" not in err
    assert err.startswith("error: --test-to: 'notanemail' is not a valid e-mail address")


def test_an_smtp_host_with_a_line_break_is_one_line(rendered: Path, workspace: Path) -> None:
    code, _, err = send("--smtp-host", "mail.example.org\r\nRCPT TO:<x@evil.example>")
    assert code == 1 and "Traceback" not in err
    assert err.startswith("error: --smtp-host: ")


def test_letters_go_out_only_in_the_name_of_who_signed_them(
    rendered: Path, smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port, **{"from": "desk@example.org"})
    # Rendered for Jane Doe (sender.example.yaml); sent as someone else, or as Jane without
    # her e-mail (which would also journal her under another key and send everything twice).
    jane = ["--name", "Jane Doe", "--address", "12 Example Street", "--address", "London N1 9XX"]
    jane += ["--address", "United Kingdom", "--country", "GB"]
    for who in (
        ["--name", "Marie Dupont", "--address", "12 rue des Lilas"],
        jane,  # Jane exactly, but without her e-mail
    ):
        result = CliRunner().invoke(main, ["send", *who, "--no-dry-run"])
        assert result.exit_code == 1 and recorder.messages == []
        assert "these letters were signed by another sender than the one given" in result.stderr
    # Jane with her e-mail typed in another case is Jane: sent, then known as sent.
    same = [*jane, "--email", "Jane.Doe@Example.org"]
    assert CliRunner().invoke(main, ["send", *same, "--no-dry-run"]).exit_code == 0
    assert len(recorder.messages) == 9
    again = CliRunner().invoke(main, ["send", "--sender", "sender.example.yaml", "--no-dry-run"])
    assert again.exit_code == 0 and "Done: 9 already-sent" in again.stdout
    assert len(recorder.messages) == 9
    result = CliRunner().invoke(
        main, ["send", "--sender", "sender.example.yaml", "--address", "99 Other Road"]
    )
    assert result.exit_code == 1
    assert "give either --sender FILE or --name/--address/--email/--town/--country" in result.stderr


def test_the_issuers_report_does_not_quote_addresses_from_server_answers() -> None:
    from appeal_letters.deliver import build_report
    from appeal_letters.deliver.journal import Key, Row
    from appeal_letters.model import load_campaign

    root = Path(__file__).resolve().parents[1]
    campaign = load_campaign(root / "appeal.yaml", [root / "recipients.yaml"])
    row = Row(
        key=Key(campaign.appeal.code, "president", "jane.doe@example.org", "fax"),
        address="74956065173@fax.example.org",
        file="01-president.pdf",
        sha256="0" * 64,
        status="failed",
        answer="553 5.7.1 <jane.doe@example.org>: Sender address rejected: not owned by user "
        "smtpuser",
        attempts=1,
        updated_at="2026-11-26T10:00:00+00:00",
        sent_at=None,
    )
    report = build_report(campaign, [row])
    assert "jane.doe" not in report.text + report.csv and "smtpuser" not in report.text
    assert "553 5.7.1 <[address]>: Sender address rejected: not owned by user [...]" in report.text
    assert "0 sent by 0 supporters" in report.text
    named = build_report(campaign, [row], include_names=True)
    assert "jane.doe@example.org" in named.text


def test_a_damaged_sent_log_line_is_refused_not_skipped(tmp_path: Path) -> None:
    from appeal_letters.deliver import Journal
    from appeal_letters.errors import OutputError

    good = json.dumps(
        {
            "appeal_code": "C", "recipient_id": "r", "supporter": "s", "channel": "fax",
            "address": "a", "file": "f", "sha256": "0", "answer": "250",
            "message_id": "m", "sent_at": "2026-11-26T10:00:00+00:00",
        }
    )  # fmt: skip
    (tmp_path / "sent.log").write_bytes(good.encode() + b"\n\xff\xfe garbage\n" + good.encode())
    with pytest.raises(OutputError, match=r"sent.log:2: a damaged line"):
        Journal(tmp_path / "journal.sqlite")
    assert not (tmp_path / "journal.sqlite").exists()
    # Only the last line may be cut short by a crash: that one is skipped.
    (tmp_path / "sent.log").write_bytes(good.encode() + b"\n" + good.encode()[:30])
    assert Journal(tmp_path / "journal.sqlite").rebuilt == 1


def test_a_journal_keyed_as_typed_before_is_still_honoured(
    smtp_server: tuple[Recorder, int], workspace: Path
) -> None:
    from appeal_letters.deliver import Journal
    from appeal_letters.deliver.journal import Key

    recorder, port = smtp_server
    write_config(workspace, port, **{"from": "desk@example.org"})
    who = ["--name", "Jane DOE", "--address", "1 Road"]
    assert CliRunner().invoke(main, ["render", *who, "--date", "2026-11-26"]).exit_code == 0
    folder = workspace / "letters" / "rus-004-1214-obs-093-1"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    journal = Journal(folder / "journal.sqlite")
    for entry in manifest["letters"]:  # as an earlier version journaled them: the name as typed
        if entry["channel"] == "fax":
            key = Key("RUS 004 / 1214 / OBS 093.1", entry["recipient_id"], "Jane DOE", "fax")
            journal.claim(key, "x", entry["file"], entry["sha256"], resend=False)
            journal.finish(key, "sent", "250 OK")
    result = CliRunner().invoke(main, ["send", *who, "--no-dry-run"])
    assert result.exit_code == 0, result.output
    assert recorder.messages == [] and "Done: 9 already-sent" in result.stdout


def test_an_office_with_two_e_mail_addresses_gets_the_letter_at_both(
    workspace: Path, smtp_server: tuple[Recorder, int]
) -> None:
    """ "Email: a@x.org, b@x.org" means both: To the first, Cc the others, said in the dry run,
    delivered to both by SMTP, and kept in the .eml and the mailto link of `export`."""
    recorder, port = smtp_server
    recipients = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    # An embassy abroad (Russian state bodies at home do not consider e-mail since 2025).
    marker = "  - id: ambassador-belgium\n"
    assert marker in recipients
    head, tail = recipients.split(marker)
    tail = tail.replace(
        '      fax: "+32 2 374 26 13"\n',
        '      fax: "+32 2 374 26 13"\n'
        "      email: [ombudsman@example.org, office@example.org]\n"
        "    prefer: [email, fax]\n",
        1,
    )
    (workspace / "recipients.yaml").write_text(head + marker + tail, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--date", "2026-11-26"]
    )
    assert result.exit_code == 0, result.output
    write_config(workspace, port)
    code, out, _ = send()
    assert code == 0, out
    assert "To: ombudsman@example.org\nCc: office@example.org\n" in out
    code, out, err = send("--no-dry-run")
    assert code == 0, err
    assert "-> ombudsman@example.org (cc office@example.org)" in out
    to_office = [r for r, _ in recorder.messages if "ombudsman@example.org" in r]
    assert to_office == [["ombudsman@example.org", "office@example.org"]]
    assert [m["Cc"] for m in recorder.parsed() if m["Cc"]] == ["office@example.org"]
    result = CliRunner().invoke(main, ["export", "--sender", "sender.example.yaml"])
    assert result.exit_code == 0, result.output
    export = workspace / "letters" / "rus-004-1214-obs-093-1" / "export"
    page = (export / "send-yourself.html").read_text(encoding="utf-8")
    assert (
        "mailto:ombudsman@example.org?subject=" in page
        and "&amp;cc=office@example.org&amp;" in page
    )
    (eml,) = export.glob("09-*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert message["Cc"] == "office@example.org"
