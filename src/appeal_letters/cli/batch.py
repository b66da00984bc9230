"""The ``batch`` command: letters for a whole supporters file, with progress and a summary."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any, cast

import click

from ..compose import LAYOUTS, Layout, late
from ..model import SUPPORTED_LANGUAGES
from .common import (
    date_option,
    letter_day,
    load_workspace,
    printable,
    recipient_option,
    reports_errors,
    workspace_options,
)


class _Progress:
    """A rich progress bar with ETA on a terminal; a plain line now and then otherwise."""

    def __init__(self) -> None:
        self.bar: Any = None  # rich.progress.Progress, imported only when a bar is shown
        self.task: Any = None
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        if sys.stderr.isatty():
            if self.bar is None:
                from rich.console import Console
                from rich.progress import Progress

                self.bar = Progress(*Progress.get_default_columns(), console=Console(stderr=True))
                self.bar.start()
                self.task = self.bar.add_task("letters", total=total)
            self.bar.update(self.task, completed=done)
            if done == total:
                self.bar.stop()
        elif done == total or time.monotonic() - self.last > 5:
            self.last = time.monotonic()
            click.echo(f"  {done}/{total} letters", err=True)


@click.command()
@workspace_options
@click.option(
    "--supporters",
    "supporters_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Supporters file: .csv, .xlsx or .yaml (columns: docs/batch.md).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Batch folder (letters, bundles, manifest.csv); a re-run resumes it.",
)
@click.option(
    "--strict", is_flag=True, help="Stop at the first bad row instead of setting it aside."
)
@recipient_option
@click.option(
    "--language",
    type=click.Choice(SUPPORTED_LANGUAGES),
    help="Every letter in this language. [default: supporter's, else recipient's]",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    help="Envelope layout for all. [default: from each supporter's country]",
)
@date_option
@click.option("--workers", type=click.IntRange(1, 64), help="Processes. [default: one per core]")
@click.option("--per-supporter-pdf", is_flag=True, help="Also one PDF of each supporter's letters.")
@click.option("--no-bundles", is_flag=True, help="Skip the per-authority delivery bundles.")
@click.option(
    "--bundle-size",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    metavar="N",
    help="Letters in one bundle file at most; more make parts, each with its cover sheet.",
)
@click.option(
    "--full-layout",
    is_flag=True,
    help="Lay out every letter in full (slower) instead of sharing each authority's body.",
)
@click.option(
    "--strict-fast",
    is_flag=True,
    help="Stop with an error when a letter or bundle leaves the fast path (see summary.txt).",
)
@reports_errors
def batch(
    appeal_file: Path,
    recipient_files: tuple[Path, ...],
    templates_dir: Path,
    supporters_file: Path,
    out_dir: Path,
    strict: bool,
    recipient_ids: tuple[str, ...],
    language: str | None,
    layout: str | None,
    letter_date: dt.datetime | None,
    workers: int | None,
    per_supporter_pdf: bool,
    no_bundles: bool,
    bundle_size: int,
    full_layout: bool,
    strict_fast: bool,
) -> None:
    """Make every supporter's letter to every authority, with delivery bundles."""
    from ..batch import BatchOptions, run_batch
    from ..model import read_supporters
    from ..render import foreign_language, select_recipients

    campaign = load_workspace(appeal_file, recipient_files)
    read = read_supporters(supporters_file, strict=strict, spill=True)
    for note in read.notes:
        click.echo(f"note: {printable(note)}", err=True)
    for rejected in read.rejected:
        click.echo(
            printable(f"rejected: {supporters_file}: row {rejected.row}: {rejected.reason}"),
            err=True,
        )
    options = BatchOptions(
        date=letter_day(letter_date),
        layout=cast(Layout, layout) if layout else None,
        language=language,
        recipient_ids=recipient_ids,
        workers=workers,
        bundles=not no_bundles,
        bundle_size=bundle_size,
        per_supporter_pdf=per_supporter_pdf,
        shared_body=not full_layout,
        strict_fast=strict_fast,
    )
    chosen = select_recipients(campaign, recipient_ids)
    for finding in [*late(campaign, options.date), *foreign_language(campaign, chosen, language)]:
        click.echo(printable(f"warning: {finding}"), err=True)
    result = run_batch(campaign, read, out_dir, options, templates_dir, _Progress())
    click.echo(result.summary, nl=False)
    from ..deliver import JOURNAL_NAME, Journal

    if result.to_post or (out_dir / JOURNAL_NAME).is_file():
        journal = Journal(out_dir / JOURNAL_NAME)
        # Supporters no longer in the file had their letters removed: not to post either.
        journal.unlist_unposted(campaign.appeal.code, (s.key for s in read.supporters))
        journal.to_post(
            campaign.appeal.code,
            ((d.recipient_id, d.supporter_key, d.file) for d in result.to_post),
        )
    if result.to_post:
        where = f"; what goes in which envelope: {result.post_list}" if result.post_list else ""
        click.echo(
            f"post: {len(result.to_post)} letter(s) listed to post in {out_dir / JOURNAL_NAME}"
            f"{where}; once posted: appeal-letters mark posted --letters {out_dir}"
        )
    if result.failed:
        sys.exit(1)
