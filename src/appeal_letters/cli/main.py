"""The ``appeal-letters`` command: a thin click layer over the library.

It parses options, calls the library, prints results, and turns every
:class:`~appeal_letters.errors.AppealLettersError` into one line per problem and exit code 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import click

from .. import __version__
from ..compose import LAYOUTS, Finding, Layout, choose_layout, late, review, unreachable
from ..errors import AppealLettersError
from ..model import (
    CHANNEL_NAMES,
    SUPPORTED_LANGUAGES,
    Recipient,
    choose_channel,
    load_sender,
    sender_from_options,
)
from ..plurals import counted
from .answers import mark, receipts, reply, report
from .batch import batch
from .common import (
    date_option,
    get_sender,
    letter_day,
    load_workspace,
    printable,
    recipient_option,
    reports_errors,
    sender_options,
    workspace_options,
)
from .delivery import send
from .export import export_command
from .importing import import_command
from .serve import send_pending, serve


def _channels_text(recipient: Recipient) -> str:
    channels = recipient.all_channels
    if not channels:
        return "NONE"
    return "; ".join(f"{CHANNEL_NAMES[c.kind]} {c.display}" for c in channels)


def _warn(findings: Iterable[Finding]) -> None:
    for finding in findings:
        click.echo(printable(f"warning: {finding}"), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="appeal-letters")
def main() -> None:
    """Turn a human-rights urgent appeal into polite, one-page letters, one per authority.

    Run it in a campaign workspace holding appeal.yaml and recipients.yaml.
    """


@main.command()
@workspace_options
@click.option(
    "--sender",
    "sender_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also check this sender file.",
)
@click.option(
    "--letters",
    "trial",
    type=click.Choice(LAYOUTS),
    help="Also lay out every letter in this layout (about 0.1 s each): addresses that wrap in "
    "the envelope window, letters past one page.",
)
@reports_errors
def check(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    sender_file: Path | None,
    trial: str | None,
) -> None:
    """Validate the workspace and list how each authority can be reached."""
    from ..compose import Composer
    from ..render import harfbuzz_subset_available

    campaign = load_workspace(appeal_file, recipient_files)
    if sender_file is not None:
        load_sender(sender_file)
    Composer(templates_dir)
    appeal = campaign.appeal
    issued = ", ".join(filter(None, [appeal.place, appeal.date.isoformat()]))
    actions = len(appeal.actions)
    authorities = len(campaign.recipients)
    click.echo(
        printable(
            f"Appeal {appeal.code} ({issued}): "
            f"{counted(actions, '%(count)d action', '%(count)d actions')}, "
            f"{counted(authorities, '%(count)d authority', '%(count)d authorities')}"
        )
    )
    if appeal.deadline is not None:
        click.echo(f"Deadline: {appeal.deadline.isoformat()}")
    width = max(len(r.id) for r in campaign.recipients)
    today = dt.date.today()
    applied = {}
    for recipient in campaign.recipients:
        # What the recipients file gives, then the channel the letter goes by and why.
        click.echo(printable(f"  {recipient.id:<{width}}  {_channels_text(recipient)}"))
        if recipient.all_channels:
            choice = choose_channel(recipient, today)
            click.echo(printable(f"  {'':<{width}}  -> {choice.summary}"))
            applied.update({rule.id: rule for rule in choice.rules})
    if applied:
        click.echo("Channel rules applied (data/channels.yaml):")
        for rule in applied.values():
            click.echo(
                printable(
                    f"  {rule.id}: {rule.says} (since {rule.since.isoformat()}; source: "
                    f"{rule.source}; checked {rule.checked.isoformat()})"
                )
            )
    _warn(review(campaign, dt.date.today()))
    if trial is not None:
        from ..render import trial_layout

        problems = trial_layout(campaign, templates_dir, cast(Layout, trial))
        for problem in problems:
            click.echo(printable(f"warning: {problem}"), err=True)
        if not problems:
            click.echo(f"Every letter fits the {trial} layout on one page.")
    if not harfbuzz_subset_available():
        click.echo(
            "warning: libharfbuzz-subset is not installed; WeasyPrint falls back to a font "
            "subsetter about 3 times slower (Debian: apt-get install libharfbuzz-subset0).",
            err=True,
        )
    click.echo("OK: the workspace is valid.")


@main.command()
@workspace_options
@reports_errors
def languages(appeal_file: Path, recipient_files: tuple[Path, ...], templates_dir: Path) -> None:
    """List the languages letters can be written in, and what the appeal lacks in each."""
    from ..compose import language_coverage

    campaign = load_workspace(appeal_file, recipient_files)
    appeal = campaign.appeal
    for item in language_coverage(appeal):
        package = "catalog and forms" if item.catalog and item.forms else "INCOMPLETE package data"
        if item.language == appeal.language:
            text = "the appeal's own text"
        elif item.missing:
            text = (
                "letters fall back to " + appeal.language + "; missing " + ", ".join(item.missing)
            )
        else:
            text = f"translation by {item.translated_by}; not the issuer's text, to be reviewed"
        click.echo(f"  {item.language}  {package}; {text}")
    used = sorted({r.language for r in campaign.recipients})
    click.echo(f"Recipients' languages: {', '.join(used)}")


@main.command()
@workspace_options
@sender_options
@click.option("--paragraph", help="A paragraph of your own, printed before the closing.")
@click.option(
    "--paragraph-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read your paragraph from this UTF-8 text file.",
)
@recipient_option
@click.option(
    "--language",
    type=click.Choice(SUPPORTED_LANGUAGES),
    help="Write every letter in this language. [default: each recipient's language]",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    help="Window-envelope layout: din (DIN 5008, A4), fr (French, A4, address on the right) "
    "or us (US Letter, #10 envelope). [default: from the sender's country, else din]",
)
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"]),
    help="Paper size: letter means the us layout; a4 the din or fr layout.",
)
@date_option
@click.option("--html", "write_html", is_flag=True, help="Also write each letter as HTML.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder. [default: letters/<appeal-code>/]",
)
@reports_errors
def render(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    sender_file: Path | None,
    name: str | None,
    address: tuple[str, ...],
    email: str | None,
    town: str | None,
    country: str | None,
    paragraph: str | None,
    paragraph_file: Path | None,
    recipient_ids: tuple[str, ...],
    language: str | None,
    layout: str | None,
    paper: str | None,
    letter_date: dt.datetime | None,
    write_html: bool,
    out_dir: Path | None,
) -> None:
    """Write one PDF letter per authority and a manifest.json."""
    from ..render import RenderOptions, default_out_dir, select_recipients, write_letters

    if paragraph_file is not None:
        if paragraph:
            raise AppealLettersError("give either --paragraph or --paragraph-file, not both")
        try:
            paragraph = paragraph_file.read_text(encoding="utf-8-sig").strip()  # Notepad adds a BOM
        except (OSError, UnicodeDecodeError) as exc:
            raise AppealLettersError(f"{paragraph_file}: cannot read it as UTF-8 text") from exc
    sender = get_sender(sender_file, name, address, email, country, town)
    if paragraph:
        sender = sender_from_options(
            sender.name, sender.address, sender.email, paragraph, sender.country, sender.town
        )
    campaign = load_workspace(appeal_file, recipient_files)
    options = RenderOptions(
        date=letter_day(letter_date),
        layout=choose_layout(layout, paper, sender.country),
        language=language,
        recipient_ids=recipient_ids,
        write_html=write_html,
    )
    selected = select_recipients(campaign, recipient_ids)
    target = out_dir or default_out_dir(campaign)
    result = write_letters(campaign, sender, target, options, templates_dir)
    entries = result.entries
    for entry in entries:
        how = f"{CHANNEL_NAMES[entry.channel]}" if entry.channel else "no channel"
        click.echo(f"  {entry.file:<40} {how}")
    click.echo(
        counted(len(entries), "%(count)d letter written to ", "%(count)d letters written to ")
        + f"{target}/ (manifest.json lists them)"
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    _warn(unreachable(selected, options.date))
    _warn(late(campaign, options.date))


main.add_command(batch)
main.add_command(send)
main.add_command(export_command)
main.add_command(report)
main.add_command(receipts)
main.add_command(reply)
main.add_command(mark)
main.add_command(import_command)
main.add_command(serve)
main.add_command(send_pending)
