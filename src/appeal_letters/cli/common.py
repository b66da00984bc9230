"""Helpers shared by the command modules: error reporting and the common options."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from ..errors import AppealLettersError, ValidationError
from ..model import (
    TERMINAL_UNSAFE,
    Campaign,
    Sender,
    load_campaign,
    load_sender,
    sender_from_options,
)
from ..plurals import counted

F = TypeVar("F", bound=Callable[..., Any])

#: Set to see the traceback of an unexpected error instead of its one-line summary.
DEBUG_ENV = "APPEAL_LETTERS_DEBUG"

#: Options several commands share, defined once.
recipient_option = click.option(
    "--recipient",
    "recipient_ids",
    multiple=True,
    metavar="ID",
    help="Only this recipient; repeat for several. [default: all]",
)
date_option = click.option(
    "--date",
    "letter_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="Date printed on the letters, YYYY-MM-DD. [default: today]",
)


def letter_day(value: dt.datetime | None) -> dt.date:
    """The date to print: the one asked for, else today (passed in, so tests can fix it)."""
    return value.date() if value else dt.date.today()


#: Characters never echoed raw to a terminal: C0 and C1 controls (escape sequences), bidi
#: overrides and isolates, zero-width characters and line separators.
_UNSAFE = re.compile(TERMINAL_UNSAFE)


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on shown escaped (``\\x1b``)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _fail(message: str) -> None:
    for line in printable(message).splitlines() or [message]:
        click.echo(f"error: {line}", err=True)


def _unexpected(exc: BaseException) -> str:
    """One line for an exception the library did not turn into an AppealLettersError."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc} (a problem of the system: disk, permissions, limits)"
    if isinstance(exc, MemoryError):
        return "out of memory; try a smaller input or fewer --workers"
    return (
        f"unexpected {type(exc).__name__}: {exc}; files already written are complete. Please "
        f"report this with the command you ran (set {DEBUG_ENV}=1 to see where it happened)"
    )


def reports_errors(func: F) -> F:
    """Turn the library's errors into one-line messages and exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            _fail(str(exc))
            count = len(exc.problems)
            click.echo(
                counted(
                    count,
                    "%(count)d problem found; fix it and run again.",
                    "%(count)d problems found; fix them and run again.",
                ),
                err=True,
            )
            sys.exit(1)
        except AppealLettersError as exc:
            _fail(str(exc))
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; files already written are complete.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # click's own: usage errors are reported by click
        except Exception as exc:  # the last resort: one line, never a traceback
            if os.environ.get(DEBUG_ENV):
                raise
            _fail(_unexpected(exc))
            sys.exit(1)

    return cast(F, wrapper)


def workspace_options(func: F) -> F:
    """Options shared by every command that reads the workspace."""
    func = click.option(
        "--templates",
        "templates_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("templates"),
        show_default=True,
        help="Folder whose templates override the bundled ones (used if it exists).",
    )(func)
    func = click.option(
        "--recipients",
        "recipient_files",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Recipients file; repeat to add your own (e.g. my-embassy.yaml). "
        "[default: recipients.yaml]",
    )(func)
    return click.option(
        "--appeal",
        "appeal_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("appeal.yaml"),
        show_default=True,
        help="The appeal file.",
    )(func)


def sender_options(func: F) -> F:
    """Who signs: a sender file, or name and address on the command line."""
    for option in reversed(
        [
            click.option(
                "--sender",
                "sender_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Sender file (name, address, e-mail). [default: sender.yaml if present]",
            ),
            click.option("--name", help="Your name, instead of a sender file."),
            click.option(
                "--address", multiple=True, help="A line of your address; repeat for each line."
            ),
            click.option("--email", help="Your e-mail address (optional)."),
            click.option(
                "--town",
                help='Your town, for the sentence saying where you write from ("I live in '
                'Lyon, France.").',
            ),
            click.option(
                "--country",
                help="Your country's ISO code (e.g. FR), for the default layout and that sentence.",
            ),
        ]
    ):
        func = option(func)
    return func


def load_workspace(appeal_file: Path, recipient_files: tuple[Path, ...]) -> Campaign:
    return load_campaign(appeal_file, list(recipient_files) or [Path("recipients.yaml")])


def get_sender(
    sender_file: Path | None,
    name: str | None,
    address: tuple[str, ...],
    email: str | None,
    country: str | None = None,
    town: str | None = None,
) -> Sender:
    if sender_file is not None and (name or address or email or country or town):
        raise AppealLettersError(
            "give either --sender FILE or --name/--address/--email/--town/--country, not both"
        )
    if sender_file is not None:
        return load_sender(sender_file)
    if name:
        if not address:
            raise AppealLettersError("--name needs --address too (repeat it for each line)")
        return sender_from_options(name, address, email, country=country, town=town)
    if address or email or country or town:
        raise AppealLettersError("--address, --email, --town and --country go with --name")
    if Path("sender.yaml").is_file():
        return load_sender(Path("sender.yaml"))
    raise AppealLettersError(
        "who signs? give --sender sender.yaml (see sender.example.yaml) or --name and --address"
    )
