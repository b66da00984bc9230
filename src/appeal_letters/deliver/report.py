"""The report for the appeal's issuer: what went to whom, by which channel, when, what failed.

Built from the send journal alone. Supporters' names and addresses are left out unless asked
for: counts are what the issuer needs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from ..files import slugify, spreadsheet_csv
from ..model import Campaign
from ..plurals import counted
from .config import DeliveryConfig
from .journal import Key, Reply, Row

#: How the report names what a gateway said (deliver/receipts.py).
RECEIPT_WORDS = {
    "delivered": "delivered",
    "retryable": "to send again (busy, no answer)",
    "final": "failed for good (to post)",
}


@dataclass(frozen=True)
class Report:
    text: str
    csv: str


def build_report(
    campaign: Campaign,
    rows: list[Row],
    *,
    include_names: bool = False,
    issuer_contact: str | None = None,
    outcomes: dict[Key, tuple[str, str, int | None]] | None = None,
    replies: list[Reply] | None = None,
    postings: list[tuple[str, str, str | None]] | None = None,
) -> Report:
    """``outcomes``: what the gateway said afterwards about sent letters (``receipts``);
    ``replies``: the authorities' answers logged with ``reply add``."""
    outcomes = outcomes or {}
    replies = replies or []
    postings = postings or []
    appeal = campaign.appeal
    names = {r.id: f"{r.full_name}, {r.title}" for r in campaign.recipients}
    mine = [r for r in rows if r.key.appeal_code == appeal.code]
    counts = Counter((r.key.recipient_id, r.key.channel, r.status) for r in mine)
    supporters = {r.key.supporter for r in mine}
    sent = [r for r in mine if r.status == "sent"]
    posted = [(rid, who) for rid, who, day in postings if day]
    senders = {r.key.supporter for r in sent} | {who for _, who in posted}
    by_post = f" and {len(posted)} posted" if posted else ""
    lines = [
        f"Urgent appeal {appeal.code}: {appeal.title}",
        f"Report of the letters sent ({len(sent)} sent{by_post} by "
        f"{counted(len(senders), '%(count)d supporter', '%(count)d supporters')}).",
    ]
    if sent:
        first = min(r.sent_at or "" for r in sent)
        last = max(r.sent_at or "" for r in sent)
        lines.append(f"Sent between {first} and {last} (UTC).")
    lines.append("")
    order = {r.id: i for i, r in enumerate(campaign.recipients)}
    answered = (
        {r.key.recipient_id for r in mine}
        | {r.recipient_id for r in replies}
        | {rid for rid, _, _ in postings}
    )
    for recipient_id in sorted(answered, key=lambda i: order.get(i, 0)):
        parts = [
            f"{n} {status} by {channel}"
            for (rid, channel, status), n in sorted(counts.items())
            if rid == recipient_id
        ]
        said = Counter(
            outcome for key, (outcome, _, _) in outcomes.items() if key.recipient_id == recipient_id
        )
        if said:
            parts.append(
                "receipts: "
                + ", ".join(
                    f"{said[outcome]} {words}"
                    for outcome, words in RECEIPT_WORDS.items()
                    if said[outcome]
                )
            )
        posts = [day for rid, _, day in postings if rid == recipient_id]
        if posts:
            dates = [day for day in posts if day]
            days = ", ".join(sorted(set(dates)))
            parts.append(
                f"{len(dates)} posted" + (f" ({days})" if dates else "")
                if len(dates) == len(posts)
                else f"{len(posts) - len(dates)} to post, {len(dates)} posted"
            )
        theirs = [r.received for r in replies if r.recipient_id == recipient_id]
        if theirs:
            parts.append(
                counted(len(theirs), "%(count)d reply", "%(count)d replies")
                + f" ({', '.join(theirs)})"
            )
        lines.append(f"- {names.get(recipient_id, recipient_id)}: {', '.join(parts)}")
    failed = [r for r in mine if r.status == "failed"]
    if failed:
        lines += ["", "Not delivered:"]
        for r in failed:
            who = f" ({r.key.supporter})" if include_names else ""
            answer = r.answer if include_names else _without_addresses(r.answer)
            lines.append(f"- {names.get(r.key.recipient_id, r.key.recipient_id)}{who}: {answer}")
    if replies:
        lines += ["", "Replies received:"]
        for logged in replies:
            note = f": {logged.note}" if logged.note else ""
            copy = f" (copy: {logged.file})" if logged.file else ""
            office = names.get(logged.recipient_id, logged.recipient_id)
            lines.append(f"- {logged.received}, {office}{note}{copy}")
    unsure = [r for r in mine if r.status == "sending"]
    if unsure:
        lines += [
            "",
            counted(
                len(unsure),
                "%(count)d letter interrupted while sending: check before resending.",
                "%(count)d letters interrupted while sending: check before resending.",
            ),
        ]
    if include_names:
        lines += ["", "Supporters: " + ", ".join(sorted(supporters))]
    lines += ["", f"Please quote the reference {appeal.code} in any reply."]
    if issuer_contact:
        lines.append(f"To: {issuer_contact}")
    else:
        lines.append("(No issuer contact in delivery.yaml: send this to the appeal's issuer.)")
    header = [
        "appeal_code",
        "recipient_id",
        "recipient",
        "channel",
        "status",
        "answer",
        "attempts",
        "sent_at",
        "delivery",
    ]
    table_rows: list[list[object]] = []
    for r in mine:
        row = [
            appeal.code,
            r.key.recipient_id,
            names.get(r.key.recipient_id, ""),
            r.key.channel,
            r.status,
            r.answer if include_names else _without_addresses(r.answer),
            r.attempts,
            r.sent_at or "",
            outcomes.get(r.key, ("", "", None))[0],
        ]
        table_rows.append([*row, r.key.supporter] if include_names else row)
    table = spreadsheet_csv([*header, "supporter"] if include_names else header, table_rows)
    return Report("\n".join(lines) + "\n", table)


_ADDRESS = re.compile(r"[^\s<>\"'()\[\],;:]+@[^\s<>\"'()\[\],;:]+")
_LOGIN = re.compile(r"(not owned by user|login)\s+\S+", re.IGNORECASE)


def _without_addresses(answer: str) -> str:
    """A mail server's answer as the issuer may read it: servers quote the sender's address
    and the SMTP login ("553 <jane@example.org>: not owned by user smtpuser")."""
    return _LOGIN.sub(r"\1 [...]", _ADDRESS.sub("[address]", answer))


def report_message(campaign: Campaign, report: Report, config: DeliveryConfig) -> EmailMessage:
    """The report as an e-mail to the issuer (``issuer_contact``), the CSV attached, quoting
    the code in its subject, for the sender's own mail program."""
    message = EmailMessage(policy=SMTP)
    if config.from_address:
        message["From"] = config.from_address
    message["To"] = config.issuer_contact or ""
    message["Subject"] = f"Urgent appeal {campaign.appeal.code}: report of the letters sent"
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["X-Appeal-Reference"] = campaign.appeal.code
    message.set_content(report.text)
    message.add_attachment(
        report.csv.encode("utf-8"),
        maintype="text",
        subtype="csv",
        filename=f"report-{slugify(campaign.appeal.code)}.csv",
    )
    return message
