"""Write docs/cli.md from the click commands themselves, so the reference cannot drift.

python scripts/cli_reference.py          # rewrite docs/cli.md
python scripts/cli_reference.py --check  # exit 1 if docs/cli.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from appeal_letters.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def reference() -> str:
    parts = [
        "# Command reference",
        "",
        "Generated from the code by `python scripts/cli_reference.py`; a test fails when it is "
        "out of date.",
        "",
    ]
    root = click.Context(
        main, info_name="appeal-letters", terminal_width=100, max_content_width=100
    )
    commands = [("appeal-letters", main, root)]
    for name in main.list_commands(root):
        command = main.get_command(root, name)
        assert command is not None
        ctx = click.Context(
            command, parent=root, info_name=name, terminal_width=100, max_content_width=100
        )
        commands.append((f"appeal-letters {name}", command, ctx))
    for title, command, ctx in commands:
        parts += [f"## `{title}`", "", "```text", command.get_help(ctx), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    text = reference()
    if "--check" in sys.argv:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run python scripts/cli_reference.py", file=sys.stderr)
            sys.exit(1)
    else:
        DOC.write_text(text, encoding="utf-8")
