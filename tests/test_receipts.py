"""Fax outcomes read back (issue 16): a Maildir and an mbox holding the gateway's receipts
(RFC 3464 reports and the gateway's own messages), built here with the ``email`` package,
matched to the letters ``send`` journaled; read twice, nothing changes; the report counts."""

from __future__ import annotations

import mailbox
import sqlite3
from email.message import EmailMessage, Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeal_letters.cli import main
from appeal_letters.deliver.receipts import parse_receipt

from .test_delivery import Recorder, send, smtp_server, write_config  # noqa: F401

FOLDER = Path("letters") / "rus-004-1214-obs-093-1"


@pytest.fixture
def sent(workspace: Path, smtp_server: tuple[Recorder, int]) -> tuple[Recorder, int]:  # noqa: F811
    """The seed's letters rendered and sent through a local SMTP server (the fax gateway)."""
    _, port = smtp_server
    rendered = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--date", "2026-11-26"]
    )
    assert rendered.exit_code == 0, rendered.output
    write_config(workspace, port)
    assert send("--no-dry-run")[0] == 0
    return smtp_server


def _sent_ids(workspace: Path) -> dict[str, str]:
    with sqlite3.connect(workspace / FOLDER / "journal.sqlite") as db:
        return dict(db.execute("SELECT recipient_id, message_id FROM sends").fetchall())


def dsn(about: str, action: str, status: str, diagnostic: str, *, headers_only: bool) -> Message:
    """A delivery status notification (RFC 3464) about the letter ``about``."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@fax.example.org"
    report["To"] = "jane.doe@example.org"
    report["Subject"] = "Delivery Status Notification"
    report["Message-ID"] = make_msgid("dsn")
    report.attach(MIMEText("This is an automatically generated delivery status notification."))
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns; fax.example.org"
    per_recipient["Final-Recipient"] = "rfc822; 74956921725@fax.example.org"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = f"fax; {diagnostic}"
    status_part = Message()
    status_part.set_type("message/delivery-status")
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)
    original = f"Message-ID: {about}\nSubject: RUS 004 / 1214 / OBS 093.1\n"
    if headers_only:
        report.attach(MIMEText(original, "rfc822-headers"))
    else:
        quoted = EmailMessage()
        quoted["Message-ID"] = about
        quoted.set_content("the letter")
        report.attach(MIMEMessage(quoted))
    return report


def gateway_note(about: str, subject: str, body: str, *, header: str = "In-Reply-To") -> Message:
    """A gateway's own confirmation, pointing at the letter by a header."""
    note = EmailMessage()
    note["From"] = "noreply@fax.example.org"
    note["Subject"] = subject
    note["Message-ID"] = make_msgid("gateway")
    note[header] = about if header == "In-Reply-To" else f"<older@example.org> {about}"
    note.set_content(body)
    return note


def two_recipients(about: str) -> Message:
    """A report whose first recipient (a Cc) failed and whose second (the To) got it."""
    report = dsn(about, "failed", "5.1.1", "no such user", headers_only=True)
    status = next(p for p in report.walk() if p.get_content_type() == "message/delivery-status")
    to = Message()
    to["Final-Recipient"] = "rfc822; office@example.org"
    to["Action"] = "delivered"
    to["Status"] = "2.0.0"
    status.get_payload().append(to)
    return report


def receipts_for(ids: dict[str, str]) -> list[Message]:
    newsletter = EmailMessage()
    newsletter["Subject"] = "Our newsletter"
    newsletter["Message-ID"] = make_msgid("news")
    newsletter.set_content("Nothing about faxes here.")
    return [
        dsn(ids["president"], "delivered", "2.0.0", "fax sent, 1 page", headers_only=False),
        gateway_note(ids["prosecutor-general"], "Fax failed", "Fax to +74956921725: line busy."),
        dsn(ids["interior-minister"], "failed", "5.1.1", "invalid number", headers_only=True),
        gateway_note(
            ids["justice-minister"],
            "Fax sent successfully",
            "Fax sent successfully to +74959555999. Pages: 1",
            header="References",
        ),
        gateway_note("<unknown@example.org>", "Fax sent successfully", "Fax sent successfully."),
        newsletter,
    ]


def test_a_maildir_and_an_mbox_of_receipts_update_the_journal_once(
    workspace: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    _, port = smtp_server
    rendered = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--date", "2026-11-26"]
    )
    assert rendered.exit_code == 0, rendered.output
    write_config(workspace, port)
    code, _, err = send("--no-dry-run")
    assert code == 0, err
    ids = _sent_ids(workspace)
    assert len(ids) == 9 and all(value.startswith("<") for value in ids.values())

    box = mailbox.Maildir(workspace / "Maildir", create=True)
    for message in receipts_for(ids):
        box.add(message)
    box.close()
    first = CliRunner().invoke(main, ["receipts", "Maildir"])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "Receipts read: 2 delivered, 1 to send again later (busy, no answer), 1 failed for "
        "good (send those by post).",
        "Also: 0 read before (nothing changed), 1 about no letter in this journal, 1 not "
        "receipts (auto-replies, queued, several letters at once), 0 unreadable.",
    ]
    # The same mailbox again (a cron job reads it every hour): nothing changes.
    again = CliRunner().invoke(main, ["receipts", "Maildir"])
    assert again.stdout.startswith("Receipts read: 0 delivered, 0 to send again later")
    assert "Also: 5 read before" in again.stdout

    report = CliRunner().invoke(main, ["report", "--csv", "report.csv"])
    assert report.exit_code == 0, report.output
    lines = {line.split(":")[0]: line for line in report.stdout.splitlines()}
    assert (
        "receipts: 1 delivered" in lines["- Mr Vladimir Putin, President of the Russian Federation"]
    )
    prosecutor = next(v for k, v in lines.items() if "Chaika" in k)
    assert "receipts: 1 to send again (busy, no answer)" in prosecutor
    interior = next(v for k, v in lines.items() if "Kolokoltsev" in k)
    assert "receipts: 1 failed for good (to post)" in interior
    table = (workspace / "report.csv").read_text(encoding="utf-8").splitlines()
    assert table[0].endswith(",delivery")
    assert sum(row.endswith(",delivered") for row in table) == 2
    assert sum(row.endswith(",final") for row in table) == 1


def test_an_mbox_read_after_a_maildir_changes_nothing(
    workspace: Path,
    sent: tuple[Recorder, int],
) -> None:
    messages = receipts_for(_sent_ids(workspace))
    box = mailbox.Maildir(workspace / "Maildir", create=True)
    mbox = mailbox.mbox(workspace / "receipts.mbox", create=True)
    for message in messages:
        box.add(message)
        mbox.add(message)
    box.close()
    mbox.close()
    assert (
        CliRunner()
        .invoke(main, ["receipts", "receipts.mbox"])
        .stdout.startswith("Receipts read: 2 delivered")
    )
    after = CliRunner().invoke(main, ["receipts", "Maildir"])
    assert (
        after.stdout.startswith("Receipts read: 0 delivered")
        and "Also: 5 read before" in after.stdout
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: dsn("<a@x>", "failed", "4.4.1", "no answer", headers_only=True), "retryable"),
        # The mail server still tries, or passed it on: no outcome yet.
        (lambda: dsn("<a@x>", "delayed", "4.4.7", "still trying", headers_only=True), None),
        (lambda: dsn("<a@x>", "relayed", "", "relayed", headers_only=True), None),
        (lambda: two_recipients("<a@x>"), "delivered"),  # the Cc failed, the To got it
        # A success phrase wins over failure words in a footer or an echoed subject.
        (
            lambda: gateway_note(
                "<a@x>", "Fax sent successfully", "Pages: 2\n--\nUnsolicited faxes are refused."
            ),
            "delivered",
        ),
        (lambda: gateway_note("<a@x>", "Delivered to the fax server", "It is queued."), None),
        (
            lambda: gateway_note("<a@x>", "Fax report", "Transmission completed with errors"),
            "retryable",
        ),
        (lambda: gateway_note("<a@x>", "Fax sent successfully", "Pages sent: 1 of 3"), "retryable"),
        (lambda: gateway_note("<a@x>", "Fax failed", "Call failed (no ring)."), "retryable"),
        (lambda: gateway_note("<a@x>", "Out of office", "Back Monday. The line is busy."), None),
        (lambda: gateway_note("<a@x>", "Automatic reply", "> refused\nI am away."), None),
        (
            lambda: gateway_note("<a@x>", "Fax report", "Status: no answer after 3 tries"),
            "retryable",
        ),
        (lambda: gateway_note("<a@x>", "Fax report", "Unallocated number"), "final"),
        (lambda: gateway_note("<a@x>", "Transmission OK", "Pages sent: 2"), "delivered"),
        (lambda: gateway_note("<a@x>", "Hello", "Thank you for your message."), None),
    ],
)
def test_receipts_are_classed_by_what_the_gateway_says(make: object, expected: str | None) -> None:
    assert callable(make)
    found = parse_receipt("s", make())
    assert (found.outcome if found else None) == expected
    if found is not None:
        assert found.message_id == "<a@x>"


def test_a_mailbox_that_is_not_one_is_one_clear_line(
    workspace: Path,
    sent: tuple[Recorder, int],
) -> None:
    (workspace / "notes.txt").write_text("hello\n", encoding="utf-8")
    (workspace / "folder").mkdir()
    for target, message in (
        ("missing", "missing: no such mailbox (give a Maildir folder or an mbox file)"),
        ("notes.txt", "notes.txt: not an mbox file (it does not start with 'From ')"),
        ("folder", "folder: not a Maildir (no cur/ and new/ folders in it)"),
    ):
        result = CliRunner().invoke(main, ["receipts", target])
        assert result.exit_code == 1
        assert result.stderr == f"error: {message}\n"


def test_replies_are_logged_and_the_report_goes_to_the_issuer_as_an_email(
    workspace: Path,
    sent: tuple[Recorder, int],
) -> None:
    import email
    from email.policy import default

    _, port = sent
    (workspace / "scan.pdf").write_bytes(b"%PDF-1.4 a scanned reply")
    add = ["reply", "add", "--recipient", "prosecutor-general", "--date", "2026-11-28"]
    first = CliRunner().invoke(
        main, [*add, "--file", "scan.pdf", "--note", "Forwarded to the Chechen prosecutor."]
    )
    assert first.exit_code == 0, first.output
    assert first.stdout == "Reply from prosecutor-general of 2026-11-28 logged.\n"
    assert CliRunner().invoke(main, [*add, "--file", "scan.pdf"]).exit_code == 0
    replies = workspace / FOLDER / "replies"
    assert sorted(p.name for p in replies.iterdir()) == [
        "2026-11-28-prosecutor-general-2.pdf",
        "2026-11-28-prosecutor-general.pdf",
    ]
    for bad, message in (
        (["--recipient", "nobody"], "nobody"),
        (["--recipient", "ombudsman", "--date", "2999-01-01"], "2999-01-01 is in the future"),
        (["--recipient", "ombudsman", "--note", "a\x1b[2Jb"], "--note: at most 500 characters"),
    ):
        result = CliRunner().invoke(main, ["reply", "add", *bad])
        assert result.exit_code == 1 and message in result.stderr, result.output
        assert len(result.stderr.strip().splitlines()) == 1

    report = CliRunner().invoke(main, ["report"])
    assert report.exit_code == 0, report.output
    chaika = next(line for line in report.stdout.splitlines() if line.startswith("- Mr Yurii"))
    assert "2 replies (2026-11-28, 2026-11-28)" in chaika
    assert (
        "- 2026-11-28, Mr Yurii Ya. Chaika, Prosecutor General of the Russian Federation: "
        "Forwarded to the Chechen prosecutor. (copy: replies/2026-11-28-prosecutor-general.pdf)"
    ) in report.stdout
    refused = CliRunner().invoke(main, ["report", "--email", "report.eml"])
    assert refused.exit_code == 1 and "no issuer_contact" in refused.stderr
    write_config(workspace, port, issuer_contact="appeals@omct.example.org")
    made = CliRunner().invoke(main, ["report", "--email", "report.eml"])
    assert made.exit_code == 0, made.output
    message = email.message_from_bytes((workspace / "report.eml").read_bytes(), policy=default)
    assert message["To"] == "appeals@omct.example.org"
    assert "RUS 004 / 1214 / OBS 093.1" in message["Subject"]
    body = message.get_body(("plain",))
    assert body is not None and "Replies received:" in body.get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "report-rus-004-1214-obs-093-1.csv"
    assert attachment.get_content().startswith("appeal_code,recipient_id")


def test_the_newest_receipt_wins_and_a_broken_message_stops_nothing(
    workspace: Path,
    sent: tuple[Recorder, int],
) -> None:
    ids = _sent_ids(workspace)
    busy = gateway_note(ids["president"], "Fax failed", "Line busy, we will try later.")
    busy.replace_header("Subject", "Fax failed")
    busy["Date"] = "Sun, 29 Nov 2026 10:00:00 +0000"
    done = gateway_note(ids["president"], "Fax sent successfully", "Pages: 1")
    done["Date"] = "Sun, 29 Nov 2026 10:20:00 +0000"
    broken = EmailMessage()
    broken["Message-ID"] = "<broken@example.org>"
    broken["In-Reply-To"] = ids["prosecutor-general"]
    broken.set_content("Fax failed: line busy")
    raw = bytes(broken).replace(b'charset="utf-8"', b'charset="x-no-such-charset"')
    # The newer receipt is read first, the older one after it; a broken message in between.
    newer = mailbox.mbox(workspace / "newer.mbox", create=True)
    newer.add(done)
    newer.add(raw)
    newer.close()
    older = mailbox.Maildir(workspace / "Maildir", create=True)
    older.add(busy)
    older.close()
    (workspace / "Maildir" / "cur" / "gone").symlink_to(workspace / "nowhere")
    first = CliRunner().invoke(main, ["receipts", "newer.mbox"])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(main, ["receipts", "Maildir"])
    assert second.exit_code == 0, second.output
    assert "1 to send again later" in second.stdout and "1 unreadable" in second.stdout
    report = CliRunner().invoke(main, ["report"])
    president = next(line for line in report.stdout.splitlines() if "Putin" in line)
    assert "receipts: 1 delivered" in president  # 10:20 beats 10:00, whatever the order read
    empty = workspace / "empty.mbox"
    empty.write_bytes(b"")
    assert CliRunner().invoke(main, ["receipts", "empty.mbox"]).exit_code == 0


def _age(workspace: Path, recipient_id: str, minutes: int) -> None:
    """Make the journal's last try of a letter ``minutes`` old (a clock moved forward)."""
    import datetime as dt

    then = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).isoformat(timespec="seconds")
    with sqlite3.connect(workspace / FOLDER / "journal.sqlite") as db:
        db.execute("UPDATE sends SET updated_at=? WHERE recipient_id=?", (then, recipient_id))


def _busy(workspace: Path, about: str, name: str) -> None:
    box = mailbox.mbox(workspace / f"{name}.mbox", create=True)
    box.add(gateway_note(about, "Fax failed", "Line busy."))
    box.close()
    assert CliRunner().invoke(main, ["receipts", f"{name}.mbox"]).exit_code == 0


def test_a_busy_fax_is_sent_again_with_back_off_and_then_proposed_for_post(
    workspace: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    recorder, port = smtp_server
    CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml", "--date", "2026-11-26"])
    write_config(workspace, port, retry={"max_tries": 3, "wait_minutes": [15, 60]})
    assert send("--no-dry-run")[0] == 0
    assert len(recorder.messages) == 9
    _busy(workspace, _sent_ids(workspace)["president"], "first")
    # Too soon: the first retry waits 15 minutes after the try before.
    code, out, _ = send("--retry", "--no-dry-run")
    assert code == 0 and "retry: president waits until" in out
    assert len(recorder.messages) == 9
    for tries, waited, name in ((2, 16, "second"), (3, 61, "third")):
        _age(workspace, "president", waited)
        before = _sent_ids(workspace)["president"]
        code, out, _ = send("--retry", "--no-dry-run")
        assert code == 0, out
        assert "retry: sending again to president" in out
        assert len(recorder.messages) == 9 + tries - 1  # that fax alone, once more
        after = _sent_ids(workspace)["president"]
        assert after != before  # a new Message-ID: a receipt for the old try is not this one
        _busy(workspace, after, name)
    _age(workspace, "president", 600)
    code, out, err = send("--retry", "--no-dry-run")
    assert (
        "retry: president had 3 tries, the most delivery.yaml allows: send that letter by post"
        in (err)
    )
    assert len(recorder.messages) == 11


def test_a_late_confirmation_of_an_earlier_try_counts_and_stops_the_retries(
    workspace: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    """Busy, sent again; then the gateway confirms the first try went through after all: the
    letter is delivered (the report says so) and is not sent a third time."""
    recorder, port = smtp_server
    CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml", "--date", "2026-11-26"])
    write_config(workspace, port, retry={"max_tries": 3, "wait_minutes": [15, 60]})
    assert send("--no-dry-run")[0] == 0
    first = _sent_ids(workspace)["president"]
    _busy(workspace, first, "busy")
    _age(workspace, "president", 16)
    assert "retry: sending again to president" in send("--retry", "--no-dry-run")[1]
    second = _sent_ids(workspace)["president"]
    _busy(workspace, second, "busy-again")
    box = mailbox.mbox(workspace / "late.mbox", create=True)
    box.add(gateway_note(first, "Fax sent successfully", "Fax sent successfully. Pages: 1"))
    box.close()
    late = CliRunner().invoke(main, ["receipts", "late.mbox"])
    assert late.exit_code == 0, late.output
    assert "1 about an earlier try of a letter sent again since" in late.stdout
    assert "0 about no letter" not in late.stdout  # nothing else to say: no "Also" line
    _age(workspace, "president", 120)
    code, out, err = send("--retry", "--no-dry-run")
    assert code == 0 and "sending again to president" not in out + err
    assert len(recorder.messages) == 10  # nine letters, the President's once more: no third
    report = CliRunner().invoke(main, ["report"]).stdout
    president = next(line for line in report.splitlines() if "Putin" in line)
    assert "receipts: 1 delivered" in president
    # The journal rebuilt from sent.log (the SQLite file lost) still knows both tries.
    (workspace / FOLDER / "journal.sqlite").unlink()
    box = mailbox.mbox(workspace / "late.mbox")
    box.add(gateway_note(first, "Fax sent successfully", "Confirmed again. Pages: 1"))
    box.close()
    again = CliRunner().invoke(main, ["receipts", "late.mbox"])
    assert "about an earlier try" in again.stdout, again.output


def test_letters_by_post_make_a_print_pack_and_are_marked_posted(
    workspace: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    import pypdf

    _, port = smtp_server
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    # A postal address goes before a fax to Moscow in doubt; an embassy that prefers post.
    text = text.replace(
        '      fax: "+ 7 495 637 49 25"\n',
        '      fax: "+ 7 495 637 49 25"\n    address: ["ul. Zhitnaya 16", "Moscow 119049"]\n',
        1,
    ).replace(
        '      fax: "+32 2 374 26 13"\n',
        '      fax: "+32 2 374 26 13"\n    address: ["Avenue De Fré 66", "1180 Uccle"]\n'
        "    prefer: [post, fax]\n",
        1,
    )
    (workspace / "recipients.yaml").write_text(text, encoding="utf-8")
    assert CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"]).exit_code == 0
    write_config(workspace, port)
    code, out, err = send("--no-dry-run")
    assert code == 0, err
    assert "post: 2 letter(s) to print in" in out
    pack = workspace / FOLDER / "post" / "print-pack.pdf"
    pages = pypdf.PdfReader(pack).pages
    assert len(pages) == 4  # two one-page letters, each with a blank back
    assert "Kolokoltsev" in pages[0].extract_text() and not pages[1].extract_text().strip()
    assert "Romanov" in pages[2].extract_text()
    listing = (workspace / FOLDER / "post" / "post-list.txt").read_text(encoding="utf-8")
    assert "03-interior-minister.pdf" in listing and "address: ul. Zhitnaya 16, Moscow" in listing
    assert listing.count("postage: international") == 2  # posted from the United Kingdom
    refused = CliRunner().invoke(
        main, ["mark", "posted", "--sender", "sender.example.yaml", "--recipient", "president"]
    )
    assert refused.exit_code == 1 and "no letter of yours is listed to post" in refused.stderr
    marked = CliRunner().invoke(
        main,
        ["mark", "posted", "--sender", "sender.example.yaml", "--recipient", "interior-minister",
         "--date", "2026-11-28"],
    )  # fmt: skip
    assert marked.exit_code == 0, marked.output
    assert marked.stdout == "Posted on 2026-11-28: interior-minister.\n"
    report = CliRunner().invoke(main, ["report"]).stdout
    interior = next(line for line in report.splitlines() if "Kolokoltsev" in line)
    belgium = next(line for line in report.splitlines() if "Romanov" in line)
    assert "1 posted (2026-11-28)" in interior
    assert "1 to post, 0 posted" in belgium


def test_a_gateways_json_callbacks_are_read_like_its_emails(
    workspace: Path,
    sent: tuple[Recorder, int],
) -> None:
    import json

    ids = _sent_ids(workspace)
    callbacks = [
        {"id": "cb-1", "message_id": ids["president"], "status": "delivered", "pages": 1,
         "date": "2026-11-29T10:20:00Z"},
        {"id": "cb-2", "message_id": ids["prosecutor-general"], "status": "busy"},
        {"id": "cb-3", "message_id": ids["interior-minister"], "status": "failed",
         "detail": "Invalid number"},
        {"id": "cb-4", "message_id": "not an id", "status": "delivered"},
        "not an object",
    ]  # fmt: skip
    (workspace / "callbacks.json").write_text(json.dumps(callbacks), encoding="utf-8")
    first = CliRunner().invoke(main, ["receipts", "--json", "callbacks.json"])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(
        "Receipts read: 1 delivered, 1 to send again later (busy, no answer), 1 failed for good"
    )
    assert "2 not receipts" in first.stdout
    # One object a line, as a webhook logger appends them: read before, nothing changes.
    lines = "\n".join(json.dumps(c) for c in callbacks[:3])
    (workspace / "callbacks.jsonl").write_text(lines + "\n", encoding="utf-8")
    again = CliRunner().invoke(main, ["receipts", "--json", "callbacks.jsonl"])
    assert again.stdout.startswith("Receipts read: 0 delivered") and "Also: 3 read before" in (
        again.stdout
    )
    (workspace / "broken.json").write_text('[{"message_id": }]', encoding="utf-8")
    broken = CliRunner().invoke(main, ["receipts", "--json", "broken.json"])
    assert broken.exit_code == 1
    assert broken.stderr.startswith("error: broken.json:1:17: not JSON (Expecting value)")
    neither = CliRunner().invoke(main, ["receipts"])
    assert neither.exit_code == 1 and "give a MAILBOX" in neither.stderr
