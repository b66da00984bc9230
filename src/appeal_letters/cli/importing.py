"""``appeal-letters import``: a published appeal to a workspace to review."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..plurals import counted
from .common import printable, reports_errors


@click.command("import")
@click.argument("source", metavar="SOURCE")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace folder to write. [default: a new folder named from the appeal's code]",
)
@click.option("--force", is_flag=True, help="Replace the workspace files already in --out.")
@click.option(
    "--quick",
    is_flag=True,
    help="Do not lay out every letter for the report (it then cannot say which address lines "
    "wrap in the envelope window).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print what was found as JSON; write nothing."
)
@reports_errors
def import_command(
    source: str, out_dir: Path | None, force: bool, quick: bool, as_json: bool
) -> None:
    """Read an urgent appeal and write appeal.yaml, recipients.yaml and IMPORT.md.

    SOURCE is a .txt, .html/.htm (a saved web page), .pdf, .eml or .docx file, or - for text
    on standard input. Every value keeps the line it came from; what needs a person's eye is
    marked "check:" in the files and listed in IMPORT.md, and nothing the appeal does not say
    is filled in.
    """
    from ..errors import AppealLettersError
    from ..files import slugify
    from ..importer import read_appeal, read_source, write_workspace

    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except IsADirectoryError as exc:
            raise AppealLettersError(f"{source}: is a folder; give the appeal's file") from exc
        except OSError as exc:
            raise AppealLettersError(f"{source}: cannot be read ({exc.strerror})") from exc
    imported = read_appeal(read_source(source if source != "-" else "-", data))
    if as_json:
        click.echo(json.dumps(imported.as_json(), ensure_ascii=False, indent=2, default=str))
        return
    code = imported.appeal["code"].value
    folder = out_dir or Path(slugify(str(code)) if code else "imported-appeal")
    written = write_workspace(imported, folder, force=force, letters=not quick)
    actions, addressees = len(imported.actions), len(imported.addressees)
    click.echo(
        printable(
            f"Imported {code or 'an appeal without a code'}: "
            f"{counted(actions, '%(count)d request', '%(count)d requests')}, "
            f"{counted(addressees, '%(count)d addressee', '%(count)d addressees')} -> {folder}/"
        )
    )
    problems = len(written.problems)
    click.echo(
        f"{counted(written.to_check, '%(count)d value', '%(count)d values')} to check, "
        f"{counted(problems, '%(count)d problem', '%(count)d problems')} for `check`, "
        f"{counted(len(written.findings), '%(count)d warning', '%(count)d warnings')}: "
        f"read {folder / 'IMPORT.md'}"
    )
