"""``appeal-letters receipts``: read the fax gateway's confirmations and bounces."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import AppealLettersError
from ..plurals import counted
from ..render import default_out_dir
from .common import load_workspace, reports_errors, workspace_options


@click.command()
@workspace_options
@click.argument("mailbox", type=click.Path(path_type=Path))
@click.option(
    "--letters",
    "letters_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of rendered letters (with the send journal). [default: letters/<appeal-code>/]",
)
@reports_errors
def receipts(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    mailbox: Path,
    letters_dir: Path | None,
) -> None:
    """Match the gateway's receipts in MAILBOX (a Maildir folder or an mbox file) to the sent
    letters: delivered, to retry (busy, no answer), or failed for good (invalid number: post
    it). Reading a mailbox twice changes nothing."""
    from ..deliver import JOURNAL_NAME, Journal, apply_mailbox

    campaign = load_workspace(appeal_file, recipient_files)
    folder = letters_dir or default_out_dir(campaign)
    path = folder / JOURNAL_NAME
    if not path.is_file():
        raise AppealLettersError(f"{path}: no send journal yet; run `appeal-letters send`")
    done = apply_mailbox(Journal(path), mailbox)
    click.echo(
        f"{counted(done.delivered, '%(count)d letter delivered', '%(count)d letters delivered')}"
        f", {done.retryable} to send again later (busy, no answer), "
        f"{done.final} failed for good (send those by post)."
    )
    if done.duplicate or done.unmatched or done.other:
        click.echo(
            f"Also: {counted(done.duplicate, '%(count)d receipt', '%(count)d receipts')} read "
            f"before (nothing changed), {done.unmatched} about no letter in this journal, "
            + counted(
                done.other,
                "%(count)d message that is not a receipt.",
                "%(count)d messages that are not receipts.",
            )
        )
