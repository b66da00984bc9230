"""``appeal-letters serve``: the supporters' page for the workspace, on this machine."""

from __future__ import annotations

import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import click
from werkzeug.serving import WSGIRequestHandler

from ..errors import AppealLettersError
from .common import printable, reports_errors


class PathOnlyLog(WSGIRequestHandler):
    """The development server's access log without query strings (a confirmation link's token
    travels in one): method, path, status."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # A request line too bad to parse has no path (nor command): log neither.
        path = str(getattr(self, "path", "-")).split("?", 1)[0]
        command = str(getattr(self, "command", None) or "-")
        self.log("info", '"%s %s" %s %s', command, path, code, size)

    def log_error(self, format: str, *args: Any) -> None:
        # http.server quotes a bad request line whole ("Bad request syntax ('GET /confirm?t=..
        # ')"): its query string is cut here too.
        self.log("error", "%s", _QUERY.sub("", format % args))


_QUERY = re.compile(r"\?[^\s'\"]*")

workspace_option = click.option(
    "--workspace",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path(),
    show_default=True,
    help="The workspace folder (appeal.yaml, recipients.yaml, delivery.yaml, embassies.yaml).",
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@workspace_option
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
    import os

    from ..deliver import load_delivery
    from ..web import SECRET_ENV, create_app

    sending = load_delivery(workspace / "delivery.yaml").web_sending is not None
    if sending and not os.environ.get(SECRET_ENV):
        # The key also names each supporter in the send journal (a keyed digest of their
        # e-mail): a key of this process's own would forget, at the next start, whose letters
        # went, and send them again.
        raise AppealLettersError(
            f"web_sending in delivery.yaml needs a fixed {SECRET_ENV} (the same at every "
            f"start), e.g. export {SECRET_ENV}=$(python -c 'import secrets; "
            "print(secrets.token_hex(32))') kept in a file only the server can read"
        )
    # One process: a key of its own signs its forms (gunicorn's workers need a shared one).
    key = os.environ.get(SECRET_ENV) or secrets.token_hex(32)
    app = create_app(workspace, rate_limit=rate_limit, secret_key=key)
    click.echo(printable(f"Serving the page for {workspace.resolve()} on http://{host}:{port}/"))
    if sending:
        # Letters confirmed on the page go out from this process too (under gunicorn, run
        # `appeal-letters send-pending --watch` beside it instead).
        threading.Thread(target=_send_loop, args=(workspace, 10.0), daemon=True).start()
        click.echo("Sending confirmed letters every 10 seconds (web_sending in delivery.yaml).")
    app.run(host=host, port=port, threaded=True, request_handler=PathOnlyLog)


def _send_loop(workspace: Path, interval: float) -> None:
    while True:
        try:
            _say(_one_pass(workspace))
        except Exception as exc:
            click.echo(printable(f"send-pending: {type(exc).__name__}: {exc}"), err=True)
        time.sleep(interval)


def _one_pass(workspace: Path) -> Any:
    """Send the letters confirmed so far (see deliver/pending.py)."""
    from ..deliver import Journal, load_delivery
    from ..deliver.pending import PendingStore, send_confirmed
    from ..deliver.send import SmtpTransport, login_from_env
    from ..model import load_campaign

    config = load_delivery(workspace / "delivery.yaml")
    settings = config.web_sending
    if settings is None or config.smtp is None:
        raise AppealLettersError(
            f"{workspace / 'delivery.yaml'}: no web_sending (with smtp:) to send letters for"
        )
    campaign = load_campaign(workspace / "appeal.yaml", [workspace / "recipients.yaml"])
    store = PendingStore(workspace / settings.store, settings)
    journal = Journal(workspace / settings.journal)
    gateway = SmtpTransport(config.smtp, login_from_env())
    try:
        return send_confirmed(store, journal, gateway, config, campaign.appeal.code)
    finally:
        gateway.close()


def _say(done: Any) -> None:
    """One line a pass, counts only (no one's name or address)."""
    if done.sent or done.failed or done.over_cap or done.expired or done.already_sent:
        waiting = sum(done.over_cap.values())
        click.echo(
            f"send-pending: {done.sent} sent, {done.already_sent} sent before (not again), "
            f"{done.failed} failed (tried again next time), {waiting} over a daily cap, "
            f"{done.expired} confirmation(s) expired and deleted"
        )
    if done.refused:
        click.echo(
            f"send-pending: {done.refused} refused for good by the gateway (5xx: a wrong "
            "number or address?), deleted; the journal keeps the answer"
        )
    if done.in_progress:
        click.echo(
            f"send-pending: {done.in_progress} left 'sending' by a pass that stopped (or sent "
            "by another process now): not sent again; see `report --letters` for the journal",
            err=True,
        )


@click.command("send-pending")
@workspace_option
@click.option("--watch", is_flag=True, help="Keep going: a pass every --interval seconds.")
@click.option(
    "--interval",
    default=10.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="Seconds between passes, with --watch.",
)
@reports_errors
def send_pending(workspace: Path, watch: bool, interval: float) -> None:
    """Send the letters supporters confirmed on the page (web_sending in delivery.yaml):
    paced, journaled, each once; delete them as they go, and what is past its hold."""
    done = _one_pass(workspace)  # a workspace that cannot send says so at once, and stops
    _say(done)
    if done.outside_window and not watch:
        click.echo("send-pending: outside delivery.yaml's `window`: nothing sent now")
    if watch:
        time.sleep(interval)
        _send_loop(workspace, interval)
