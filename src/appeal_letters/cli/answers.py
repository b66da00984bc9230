"""What comes back after sending: ``receipts`` (the fax gateway's confirmations and bounces)
and ``reply add`` (an authority's answer), both kept in the send journal for ``report``."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import click

from ..deliver import JOURNAL_NAME, SENT_LOG, Journal
from ..errors import AppealLettersError
from ..model import Campaign
from ..plurals import counted
from ..render import default_out_dir
from .common import (
    get_sender,
    load_workspace,
    printable,
    reports_errors,
    sender_options,
    workspace_options,
)
from .delivery import delivery_options, letters_option, open_journal


def _journal(campaign: Campaign, letters_dir: Path | None) -> Journal:
    """The send journal of the letters folder (rebuilt from ``sent.log`` if it was lost); an
    error when nothing was sent yet."""
    path = (letters_dir or default_out_dir(campaign)) / JOURNAL_NAME
    if not path.is_file() and not path.with_name(SENT_LOG).is_file():
        raise AppealLettersError(f"{path}: no send journal yet; run `appeal-letters send`")
    return open_journal(path)


def _past_day(value: dt.datetime | None) -> dt.date:
    """A --date given (today if not), never in the future."""
    day = value.date() if value else dt.date.today()
    if day > dt.date.today():
        raise AppealLettersError(f"--date: {day.isoformat()} is in the future")
    return day


@click.command()
@workspace_options
@click.argument("mailbox", type=click.Path(path_type=Path), required=False)
@click.option(
    "--json",
    "callbacks",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also read a file of the gateway's JSON callbacks (an array, or one object a line, "
    "each with message_id and status).",
)
@click.option(
    "--imap",
    "imap_address",
    metavar="HOST[:PORT]",
    help="Also read a folder on this IMAP server, over TLS (port 993) unless told otherwise, "
    "logged in as the user in the environment variable APPEAL_IMAP_USER with the password in "
    "APPEAL_IMAP_PASSWORD (never on the command line). Read only: nothing is deleted, moved "
    "or marked as read.",
)
@click.option(
    "--imap-folder",
    metavar="NAME",
    default="INBOX",
    show_default=True,
    help="The IMAP folder to read, as your mail program names it (e.g. INBOX/Fax).",
)
@click.option(
    "--imap-starttls",
    is_flag=True,
    help="Connect in plain text and switch to TLS with STARTTLS (port 143 unless given); "
    "refused if the server does not offer it.",
)
@click.option(
    "--imap-insecure-plain",
    is_flag=True,
    help="No encryption at all (port 143 unless given): only for testing with a server on this "
    "machine (localhost, 127.0.0.1, ::1); refused for any other host.",
)
@letters_option
@reports_errors
def receipts(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    mailbox: Path | None,
    callbacks: Path | None,
    imap_address: str | None,
    imap_folder: str,
    imap_starttls: bool,
    imap_insecure_plain: bool,
    letters_dir: Path | None,
) -> None:
    """Match the gateway's receipts in MAILBOX (a Maildir folder or an mbox file), --json
    callbacks or an --imap folder to the sent letters: delivered, to retry (busy, no answer),
    or failed for good (invalid number: post it). Reading them twice changes nothing."""
    from ..deliver import (
        Applied,
        apply_callbacks,
        apply_mailbox,
        apply_messages,
        imap_settings,
        read_imap,
    )

    if imap_address is None and (imap_starttls or imap_insecure_plain or imap_folder != "INBOX"):
        raise AppealLettersError(
            "--imap-folder, --imap-starttls and --imap-insecure-plain go with --imap"
        )
    if mailbox is None and callbacks is None and imap_address is None:
        raise AppealLettersError(
            "give a MAILBOX (Maildir or mbox), --json FILE or --imap HOST, or several"
        )
    imap = None
    if imap_address is not None:
        imap = imap_settings(
            imap_address,
            imap_folder,
            starttls=imap_starttls,
            insecure_plain=imap_insecure_plain,
            environ=os.environ,
        )
    campaign = load_workspace(appeal_file, recipient_files)
    journal = _journal(campaign, letters_dir)
    parts = [apply_mailbox(journal, mailbox)] if mailbox is not None else []
    if callbacks is not None:
        parts.append(apply_callbacks(journal, callbacks))
    if imap is not None:
        parts.append(apply_messages(journal, read_imap(imap)))
    done = Applied(*(sum(getattr(p, f) for p in parts) for f in Applied.__dataclass_fields__))
    click.echo(
        f"Receipts read: {done.delivered} delivered, {done.retryable} to send again later "
        f"(busy, no answer), {done.final} failed for good (send those by post)."
    )
    if done.earlier:
        click.echo(
            f"{done.earlier} about an earlier try of a letter sent again since (a letter the "
            "gateway says was delivered after all is not sent again)."
        )
    if done.duplicate or done.unmatched or done.other or done.unreadable:
        click.echo(
            f"Also: {done.duplicate} read before (nothing changed), {done.unmatched} about no "
            f"letter in this journal, {done.other} not receipts "
            f"(auto-replies, queued, several letters at once), {done.unreadable} unreadable."
        )


@click.group()
def reply() -> None:
    """Log the authorities' replies, for the report to the issuer."""


@reply.command("add")
@workspace_options
@letters_option
@click.option("--recipient", "recipient_id", required=True, help="Who replied (a recipient id).")
@click.option(
    "--date",
    "received",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the reply came (YYYY-MM-DD). [default: today]",
)
@click.option(
    "--file",
    "reply_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The reply itself (a scan, a PDF, an e-mail): copied into the letters folder.",
)
@click.option("--note", default="", help="What it says, in a line (at most 500 characters).")
@reports_errors
def add_reply(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    letters_dir: Path | None,
    recipient_id: str,
    received: dt.datetime | None,
    reply_file: Path | None,
    note: str,
) -> None:
    """Log that RECIPIENT replied (the report to the issuer lists it)."""
    from ..deliver import Reply
    from ..files import safe_child, slugify
    from ..model import TERMINAL_UNSAFE
    from ..render import select_recipients

    campaign = load_workspace(appeal_file, recipient_files)
    select_recipients(campaign, [recipient_id])  # an unknown id is an error
    day = _past_day(received)
    if len(note) > 500 or re.search(TERMINAL_UNSAFE, note):
        raise AppealLettersError(
            "--note: at most 500 characters, without control or invisible characters"
        )
    folder = letters_dir or default_out_dir(campaign)
    journal = Journal(folder / JOURNAL_NAME)
    kept = ""
    if reply_file is not None:
        name = f"{day.isoformat()}-{slugify(recipient_id)}{reply_file.suffix[:10].lower()}"
        target = safe_child(folder / "replies", name)
        number = 1
        while target.exists():  # a second reply the same day keeps the first
            number += 1
            target = safe_child(folder / "replies", name.replace(".", f"-{number}.", 1))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reply_file, target)
        kept = f"replies/{target.name}"
    journal.add_reply(campaign.appeal.code, Reply(recipient_id, day.isoformat(), note, kept))
    click.echo(printable(f"Reply from {recipient_id} of {day.isoformat()} logged."))


@click.command()
@workspace_options
@delivery_options
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the details as CSV.",
)
@click.option("--include-names", is_flag=True, help="Name the supporters (left out by default).")
@click.option(
    "--email",
    "eml_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as an e-mail (.eml, the CSV attached) to the issuer_contact of "
    "delivery.yaml, to open and send from your mail program.",
)
@reports_errors
def report(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    letters_dir: Path | None,
    config_file: Path,
    csv_file: Path | None,
    include_names: bool,
    eml_file: Path | None,
) -> None:
    """Summarise what was sent, delivered and answered, quoting the appeal code, for the
    appeal's issuer."""
    from ..deliver import build_report, load_delivery, report_message
    from ..files import atomic_write

    campaign = load_workspace(appeal_file, recipient_files)
    config = load_delivery(config_file)
    journal = _journal(campaign, letters_dir)
    result = build_report(
        campaign,
        journal.rows(campaign.appeal.code),
        include_names=include_names,
        issuer_contact=config.issuer_contact,
        outcomes=journal.outcomes(campaign.appeal.code),
        replies=journal.replies(campaign.appeal.code),
        postings=journal.postings(campaign.appeal.code),
    )
    if eml_file is not None and not config.issuer_contact:
        raise AppealLettersError(
            f"{config_file}: no issuer_contact to address the report to; add the issuer's "
            "e-mail address as issuer_contact"
        )
    click.echo(result.text, nl=False)
    if csv_file is not None:
        atomic_write(csv_file, result.csv.encode("utf-8"))
        click.echo(f"(details in {csv_file})")
    if eml_file is not None:
        message = report_message(campaign, result, config)
        atomic_write(eml_file, bytes(message))
        click.echo(f"(the e-mail to {config.issuer_contact} is in {eml_file})")


@click.group()
def mark() -> None:
    """Record what was done by hand (a letter posted)."""


@mark.command("posted")
@workspace_options
@sender_options
@letters_option
@click.option("--recipient", "recipient_ids", multiple=True, metavar="ID",
              help="The authority whose letter you posted (repeat). [default: every letter "
              "listed to post]")  # fmt: skip
@click.option(
    "--date",
    "posted_on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day you posted it (YYYY-MM-DD). [default: today]",
)
@reports_errors
def mark_posted(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    sender_file: Path | None,
    name: str | None,
    address: tuple[str, ...],
    email: str | None,
    town: str | None,
    country: str | None,
    letters_dir: Path | None,
    recipient_ids: tuple[str, ...],
    posted_on: dt.datetime | None,
) -> None:
    """Record that the letters listed to post were posted: those `send` listed for you, or in
    a batch folder (`--letters` of a `batch`) every supporter's."""
    from ..batch import is_batch_folder
    from ..deliver import supporter_key
    from ..render import select_recipients

    campaign = load_workspace(appeal_file, recipient_files)
    select_recipients(campaign, recipient_ids)  # an unknown id is an error
    day = _past_day(posted_on)
    journal = _journal(campaign, letters_dir)
    batch = is_batch_folder(journal.path.parent)
    who = (
        None
        if batch
        else supporter_key(get_sender(sender_file, name, address, email, country, town))
    )
    listed = [
        (rid, supporter)
        for rid, supporter, _ in journal.postings(campaign.appeal.code)
        if who is None or supporter == who
    ]
    chosen = list(recipient_ids) or sorted({rid for rid, _ in listed})
    missing = [rid for rid in chosen if rid not in {rid for rid, _ in listed}]
    if missing:
        whose = "no letter" if batch else "no letter of yours"
        raise AppealLettersError(
            f"{', '.join(missing)}: {whose} is listed to post for them (`send --no-dry-run` "
            "and `batch` list the letters whose channel is the post)"
        )
    marked = journal.mark_posted(
        campaign.appeal.code,
        [(rid, supporter) for rid, supporter in listed if rid in chosen],
        day.isoformat(),
    )
    what = ", ".join(chosen) or "nothing listed to post"
    count = f" ({counted(marked, '%(count)d letter', '%(count)d letters')})" if batch else ""
    click.echo(f"Posted on {day.isoformat()}: {what}{count}.")


@mark.command("submitted")
@workspace_options
@sender_options
@letters_option
@click.option("--recipient", "recipient_ids", multiple=True, metavar="ID", required=True,
              help="The authority whose web form you filled in (repeat).")  # fmt: skip
@reports_errors
def mark_submitted(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    sender_file: Path | None,
    name: str | None,
    address: tuple[str, ...],
    email: str | None,
    town: str | None,
    country: str | None,
    letters_dir: Path | None,
    recipient_ids: tuple[str, ...],
) -> None:
    """Record that you pasted a letter into its authority's web form (`send` lists those and
    writes their text under web-form/): journaled as sent by web form, for the report."""
    from ..deliver import Key, rendered_letters, supporter_key
    from ..render import select_recipients

    campaign = load_workspace(appeal_file, recipient_files)
    select_recipients(campaign, recipient_ids)  # an unknown id is an error
    sender = get_sender(sender_file, name, address, email, country, town)
    folder = letters_dir or default_out_dir(campaign)
    entries = {e.recipient_id: e for e in rendered_letters(folder, campaign, sender)}
    journal = open_journal(folder / JOURNAL_NAME)
    who = supporter_key(sender)
    for rid in dict.fromkeys(recipient_ids):
        entry = entries.get(rid)
        if entry is None or entry.channel != "web_form":
            raise AppealLettersError(
                f"{rid}: no letter of yours goes by web form (see `send`: it lists them)"
            )
        key = Key(campaign.appeal.code, rid, who, "web_form")
        claim = journal.claim(key, entry.channel_address or "", entry.file, entry.sha256,
                              resend=False)  # fmt: skip
        if claim == "already-sent":
            click.echo(f"{rid}: already recorded as submitted.")
            continue
        journal.finish(key, "sent", "submitted through the web form by hand")
        click.echo(f"{rid}: recorded as submitted through the web form.")
