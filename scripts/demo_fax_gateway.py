"""A stand-in e-mail-to-fax gateway on localhost, for trying the whole delivery loop.

It takes mail over SMTP like a real gateway (``{number}@fax.example.org``) and, for each fax,
writes into an mbox what a gateway writes back later: "Fax sent successfully" (most numbers),
"line busy" the first time for the numbers given with ``--busy`` (then success), and an RFC 3464
delivery status notification "invalid number" for those given with ``--invalid``. Feed that
mbox to ``appeal-letters receipts``. Nothing is faxed; nothing leaves the machine.

    .venv/bin/python scripts/demo_fax_gateway.py --port 8025 --receipts receipts.mbox \\
        --busy 74956921725 --invalid 3223742613
"""

from __future__ import annotations

import argparse
import mailbox
import signal
import threading
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import default
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

DOMAIN = "fax.example.org"


class Gateway:
    """The aiosmtpd handler: every fax accepted, its outcome written to the mbox."""

    def __init__(self, receipts: Path, busy: set[str], invalid: set[str]) -> None:
        self.receipts = receipts
        self.busy = set(busy)  # numbers still to answer "busy" once
        self.invalid = invalid
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        letter = message_from_bytes(envelope.content, policy=default)
        about = str(letter.get("Message-ID", ""))
        for rcpt in envelope.rcpt_tos:
            number, _, domain = rcpt.partition("@")
            if domain.lower() != DOMAIN or not number.isdigit():
                continue  # an e-mail, not a fax: a real gateway would not see it
            if number in self.invalid:
                outcome, receipt = "invalid number", _bounce(about, number)
            elif number in self.busy:
                self.busy.discard(number)
                outcome = "line busy"
                receipt = _note(about, f"Fax to +{number} failed", "Line busy. Not sent.")
            else:
                outcome = "sent"
                receipt = _note(
                    about,
                    f"Fax sent successfully to +{number}",
                    f"Your fax to +{number} was sent successfully. Pages: 1",
                )
            with self.lock:
                box = mailbox.mbox(self.receipts, create=True)
                box.lock()
                try:
                    box.add(receipt)
                    box.flush()
                finally:
                    box.unlock()
                    box.close()
            print(f"fax to +{number}: {outcome}", flush=True)
        return "250 OK: queued for faxing"


def _note(about: str, subject: str, body: str) -> EmailMessage:
    """A gateway's own message, pointing at the fax by In-Reply-To."""
    note = EmailMessage()
    note["From"] = f"noreply@{DOMAIN}"
    note["Subject"] = subject
    note["Date"] = formatdate(localtime=False)
    note["Message-ID"] = make_msgid("gateway")
    note["In-Reply-To"] = about
    note.set_content(body)
    return note


def _bounce(about: str, number: str) -> Message:
    """An RFC 3464 delivery status notification: failed for good (5.1.1, invalid number)."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = f"MAILER-DAEMON@{DOMAIN}"
    report["Subject"] = "Delivery Status Notification (Failure)"
    report["Date"] = formatdate(localtime=False)
    report["Message-ID"] = make_msgid("dsn")
    report.attach(MIMEText(f"The fax to +{number} could not be sent: invalid number."))
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = f"dns; {DOMAIN}"
    per_recipient["Final-Recipient"] = f"rfc822; {number}@{DOMAIN}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = "fax; invalid number"
    status = Message()
    status.set_type("message/delivery-status")
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    report.attach(MIMEText(f"Message-ID: {about}\n", "rfc822-headers"))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--receipts", type=Path, required=True, help="The mbox to write to.")
    parser.add_argument("--busy", nargs="*", default=[], help="Numbers busy the first time.")
    parser.add_argument("--invalid", nargs="*", default=[], help="Numbers that do not exist.")
    args = parser.parse_args()
    gateway = Gateway(args.receipts, set(args.busy), set(args.invalid))
    controller = Controller(gateway, hostname=args.host, port=args.port)
    controller.start()
    print(f"demo fax gateway on {args.host}:{args.port}, receipts in {args.receipts}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
