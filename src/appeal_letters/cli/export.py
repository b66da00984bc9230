"""``appeal-letters export``: the letters as files to send from your own mail program."""

from __future__ import annotations

from pathlib import Path

import click

from .common import reports_errors, sender_options, workspace_options
from .delivery import delivery_options, plan_delivery


@click.command(name="export")
@workspace_options
@sender_options
@delivery_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write. [default: <letters folder>/export/]",
)
@reports_errors
def export_command(
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
    out_dir: Path | None,
) -> None:
    """Write .eml files and a page of mailto: links to send from your own mail program."""
    from ..deliver import export

    plan_ = plan_delivery(
        (appeal_file, recipient_files, templates_dir),
        (sender_file, name, address, email, country, town),
        letters_dir,
        config_file,
    )
    folder, outgoing, by_hand = plan_.folder, plan_.outgoing, plan_.by_hand
    target = out_dir or folder / "export"
    result = export(outgoing, by_hand, folder, target, plan_.campaign.appeal.code)
    click.echo(
        f"{len(result.eml_files)} .eml file(s) and {result.page} written; "
        f"{len(by_hand)} letter(s) to send by hand (listed on the page)."
    )
