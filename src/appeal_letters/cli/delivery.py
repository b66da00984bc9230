"""The delivery commands: ``send``, ``export`` and ``report`` (registered on the main group).

Like the rest of the CLI they only parse options, call the library and print.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import click

from ..compose import Composer
from ..deliver import (
    JOURNAL_NAME,
    ByHand,
    DeliveryConfig,
    Journal,
    Outgoing,
    Resend,
    RetryPlan,
    load_delivery,
    plan,
    rendered_letters,
    smtp_settings,
    supporter_key,
)
from ..deliver.send import PASSWORD_ENV, USER_ENV
from ..errors import AppealLettersError
from ..model import Campaign, Sender, choose_channel
from ..render import default_out_dir, select_recipients
from .common import (
    F,
    get_sender,
    load_workspace,
    printable,
    reports_errors,
    sender_options,
    workspace_options,
)

#: Where the rendered letters are: send, export, report, receipts, reply and mark share it.
letters_option = click.option(
    "--letters",
    "letters_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of rendered letters (with manifest.json and the send journal). "
    "[default: letters/<appeal-code>/]",
)


def delivery_options(func: F) -> F:
    """Where the rendered letters and the delivery settings are."""
    func = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("delivery.yaml"),
        show_default=True,
        help="Delivery settings (SMTP server, fax gateway, limits).",
    )(func)
    return letters_option(func)


@dataclass(frozen=True)
class _Delivery:
    """What send and export both start from: the rendered letters, sorted by how they go."""

    campaign: Campaign
    sender: Sender
    folder: Path
    config: DeliveryConfig
    outgoing: list[Outgoing]
    by_hand: list[ByHand]


def plan_delivery(
    workspace: tuple[Path, tuple[Path, ...], Path],
    who: tuple[Path | None, str | None, tuple[str, ...], str | None, str | None, str | None],
    letters_dir: Path | None,
    config_file: Path,
    *,
    test_to: str | None = None,
    copy_to_sender: bool = False,
    force_email: tuple[str, ...] = (),
) -> _Delivery:
    appeal_file, recipient_files, templates_dir = workspace
    campaign = load_workspace(appeal_file, recipient_files)
    sender = get_sender(*who)
    folder = letters_dir or default_out_dir(campaign)
    entries = rendered_letters(folder, campaign, sender)
    config = load_delivery(config_file)
    outgoing, by_hand = plan(
        campaign,
        sender,
        folder,
        entries,
        config,
        Composer(templates_dir),
        test_to=test_to,
        copy_to_sender=copy_to_sender,
        force_email=frozenset(force_email),
    )
    for rid in sorted(set(force_email)):
        recipient = next(r for r in campaign.recipients if r.id == rid)
        rules = [r for _, r in choose_channel(recipient, dt.date.today()).set_aside]
        if rules:
            click.echo(
                printable(
                    f"warning: {rid}: going by e-mail although the rule {rules[0].id} sets "
                    f"e-mail aside ({rules[0].says}); --force-email says you checked it"
                ),
                err=True,
            )
    return _Delivery(campaign, sender, folder, config, outgoing, by_hand)


def _sent_otherwise(
    journal: Journal, appeal_code: str, who: str, force_email: tuple[str, ...], again: set[str]
) -> None:
    """--force-email for a letter that already went by another channel (and did not fail for
    good by the gateway's receipt) is a second letter to the office: only with --resend."""
    if not force_email:
        return
    outcomes = journal.outcomes(appeal_code)
    for row in journal.rows(appeal_code):
        rid = row.key.recipient_id
        if (
            rid in force_email
            and rid not in again
            and row.key.supporter == who
            and row.key.channel != "email"
            and row.status == "sent"
            and outcomes.get(row.key, ("",))[0] != "final"
        ):
            raise AppealLettersError(
                f"--force-email {rid}: your letter went to them by {row.key.channel} already "
                f"({(row.sent_at or '')[:10]}); add --resend {rid} to send it by e-mail as well"
            )


def _login(interactive: bool) -> tuple[str, str] | None:
    """The SMTP login, from the environment or a prompt: never from a workspace file."""
    user = os.environ.get(USER_ENV)
    if not user:
        return None
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not interactive:
            raise AppealLettersError(f"{USER_ENV} is set but {PASSWORD_ENV} is not")
        password = click.prompt(f"SMTP password for {user}", hide_input=True, err=True)
    return user, password


def _show(message: EmailMessage, number: int, total: int) -> None:
    click.echo(f"--- message {number} of {total} (dry run: not sent) ---")
    for name in (
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Bcc",
        "Subject",
        "Date",
        "Message-ID",
        "X-Appeal-Reference",
    ):
        if name in message:
            click.echo(f"{name}: {message[name]}")
    body = message.get_body(("plain",))
    click.echo("")
    click.echo(body.get_content().rstrip() if body is not None else "")
    for part in message.iter_attachments():
        data = part.get_content()
        click.echo(f"[attached: {part.get_filename()}, {len(data)} bytes, PDF]")
    click.echo("")


def open_journal(path: Path) -> Journal:
    """The send journal at ``path``; says so when it was rebuilt from ``sent.log``."""
    journal = Journal(path)
    if journal.rebuilt:
        click.echo(
            f"note: the send journal was missing; rebuilt from {journal.log}: "
            f"{journal.rebuilt} letter(s) recorded as sent",
            err=True,
        )
    return journal


@click.command()
@workspace_options
@sender_options
@delivery_options
@click.option(
    "--no-dry-run",
    "really",
    is_flag=True,
    help="Really send. Without it nothing leaves the machine.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Send at most N messages.")
@click.option(
    "--test-to",
    metavar="ADDRESS",
    help="Send every message to ADDRESS instead, with [TEST] in the subject.",
)
@click.option("--copy-to-me", is_flag=True, help="Send yourself a copy (Bcc).")
@click.option(
    "--resend",
    "resend_ids",
    multiple=True,
    metavar="ID",
    help="Send again the letter to this recipient, even if the journal lists it as sent.",
)
@click.option(
    "--retry",
    is_flag=True,
    help="Send again the faxes the gateway could not put through (busy, no answer: see "
    "`receipts`), with back-off, at most retry.max_tries tries in all (delivery.yaml).",
)
@click.option(
    "--force-email",
    "force_email",
    multiple=True,
    metavar="ID",
    help="Send the letter to this recipient by e-mail even where the channel rules set e-mail "
    "aside (you checked that this office takes it); the letter keeps its address block.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --retry: send them now, without waiting for the back-off (a gateway back from "
    "an outage, say); the tries still count.",
)
@click.option(
    "--resend-interrupted",
    is_flag=True,
    help="Send again letters a stopped run left in progress (check they did not arrive).",
)
@click.option("--smtp-host", help="Override the SMTP host of delivery.yaml.")
@click.option("--smtp-port", type=click.IntRange(1, 65535), help="Override the SMTP port.")
@click.option(
    "--smtp-security",
    type=click.Choice(["starttls", "tls", "none"]),
    help="Override the connection security.",
)
@reports_errors
def send(
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
    config_file: Path,
    really: bool,
    limit: int | None,
    test_to: str | None,
    copy_to_me: bool,
    resend_ids: tuple[str, ...],
    retry: bool,
    force_email: tuple[str, ...],
    no_wait: bool,
    resend_interrupted: bool,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_security: str | None,
) -> None:
    """Send the rendered letters by e-mail and through the fax gateway (dry run by default)."""
    from ..deliver import SmtpTransport, plan_retries, send_all, write_print_pack

    if test_to:
        from ..model import check_email

        try:
            test_to = check_email(test_to)
        except ValueError as exc:
            raise AppealLettersError(f"--test-to: {exc}") from None
    plan_ = plan_delivery(
        (appeal_file, recipient_files, templates_dir),
        (sender_file, name, address, email, country, town),
        letters_dir,
        config_file,
        test_to=test_to,
        copy_to_sender=copy_to_me,
        force_email=force_email,
    )
    campaign, sender, folder, config = plan_.campaign, plan_.sender, plan_.folder, plan_.config
    outgoing, by_hand = plan_.outgoing, plan_.by_hand
    select_recipients(campaign, resend_ids)  # an unknown id is an error, not a no-op
    smtp = smtp_settings(config, host=smtp_host, port=smtp_port, security=smtp_security)
    transport = None
    if really:
        if smtp is None:
            raise AppealLettersError(
                f"{config_file}: no `smtp:` settings; add them or give --smtp-host"
            )
        transport = SmtpTransport(smtp, _login(sys.stdin.isatty()))
    journal = open_journal(folder / JOURNAL_NAME)
    again = set(resend_ids)
    _sent_otherwise(journal, campaign.appeal.code, supporter_key(sender), force_email, again)
    if no_wait and not retry:
        raise AppealLettersError("--no-wait goes with --retry")
    if retry:
        retries = plan_retries(
            journal,
            campaign.appeal.code,
            supporter_key(sender),
            config.retry,
            dt.datetime.now(dt.UTC),
            wait=not no_wait,
        )
        again |= retries.due
        _say_retries(retries)
    try:
        results = send_all(
            outgoing,
            appeal_code=campaign.appeal.code,
            supporter=supporter_key(sender),
            earlier_key=sender.email or sender.name,
            journal=journal,
            transport=transport,
            config=config,
            dry_run=not really,
            test=test_to is not None,
            resend=Resend(frozenset(again), resend_interrupted),
            limit=limit,
        )
    finally:
        if transport is not None:
            transport.close()
    shown = [r for r in results if r.outcome == "dry-run"]
    for number, result in enumerate(shown, start=1):
        _show(result.outgoing.message, number, len(shown))
    for result in results:
        if result.outcome != "dry-run":
            item = result.outgoing
            answer = f" ({result.answer})" if result.answer else ""
            cc = f" (cc {', '.join(item.cc)})" if item.cc else ""
            click.echo(f"  {result.outcome:<12} {item.entry.file} -> {item.to}{cc}{answer}")
    for hand in by_hand:
        click.echo(f"  by hand      {hand.entry.file}: {hand.instructions}")
    pack = write_print_pack(folder, campaign, sender, by_hand)
    if pack is not None:
        click.echo(
            f"post: {len(pack.letters)} letter(s) to print in {pack.folder / 'print-pack.pdf'}; "
            f"addresses and postage in {pack.folder / 'post-list.txt'}"
        )
        if really:
            who = supporter_key(sender)
            journal.to_post(
                campaign.appeal.code, [(h.recipient.id, who, h.entry.file) for h in pack.letters]
            )
    counts = Counter(r.outcome for r in results)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    if not really:
        click.echo(
            f"Dry run: nothing was sent ({len(shown)} message(s) shown). "
            "Add --no-dry-run to send them."
        )
    else:
        click.echo(f"Done: {summary or 'nothing to send'}; journal: {folder / JOURNAL_NAME}")
    if counts["in-progress"]:
        click.echo(
            "warning: letters marked in-progress were being sent by another run or "
            "a run that stopped; check them, then use --resend-interrupted if they did "
            "not arrive.",
            err=True,
        )
    if counts["failed"]:
        sys.exit(1)


def _say_retries(retries: RetryPlan) -> None:
    """What --retry does and does not send, and why."""
    if retries.due:
        click.echo(f"retry: sending again to {', '.join(sorted(retries.due))}")
    for recipient_id, when in sorted(retries.waiting.items()):
        click.echo(
            f"retry: {recipient_id} waits until {when.strftime('%Y-%m-%d %H:%M')} UTC (back-off)"
        )
    for recipient_id, tries in sorted(retries.exhausted.items()):
        click.echo(
            f"retry: {recipient_id} had {tries} tries, the most delivery.yaml allows: send "
            "that letter by post",
            err=True,
        )
    for recipient_id, words in sorted(retries.final.items()):
        click.echo(
            f"retry: {recipient_id} failed for good ({printable(words)}): not sent again; post "
            "that letter instead (add the office's postal address to the recipients file with "
            "`prefer: [post]`, then render and send again: it goes into the print pack)",
            err=True,
        )
    if not (retries.due or retries.waiting or retries.exhausted or retries.final):
        click.echo("retry: no fax is waiting to be sent again (read the receipts first)")
