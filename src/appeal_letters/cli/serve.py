"""``appeal-letters serve``: the supporters' page for the workspace, on this machine."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from .common import printable, reports_errors


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path(),
    show_default=True,
    help="The workspace folder (appeal.yaml, recipients.yaml, embassies.yaml).",
)
@click.option(
    "--rate-limit",
    default="30 per minute",
    show_default=True,
    help="Letters asked for from one address, e.g. '30 per minute' or '500 per day'.",
)
@reports_errors
def serve(host: str, port: int, workspace: Path, rate_limit: str) -> None:
    """Serve the supporters' page: a form, then every letter to preview and download.

    For a public site run it under gunicorn instead (see docs/web.md):
    APPEAL_LETTERS_WORKSPACE=DIR gunicorn 'appeal_letters.web:create_app()'.
    """
    from ..web import create_app

    # One process: a key of its own signs its forms (gunicorn's workers need a shared one).
    app = create_app(workspace, rate_limit=rate_limit, secret_key=secrets.token_hex(32))
    click.echo(printable(f"Serving the page for {workspace.resolve()} on http://{host}:{port}/"))
    app.run(host=host, port=port, threaded=True)
